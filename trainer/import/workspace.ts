// The shop's working folder (`--out`): the imported feed and history in Shelf's own normalised form, written
// atomically (a temporary file renamed over the old one), so an import either replaces a file whole or leaves it.
// Must never write a file half: readers can always trust what they find here.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '../../src/shared/events.js';
import { ImportError } from './errors.js';
import type { FeedItem } from './feed-schema.js';
import type { History } from './history.js';

export const FEED_FILE = 'feed.jsonl';
export const HISTORY_FILE = 'history.tsv';
export const META_FILE = 'imports.json';

export interface ImportMeta {
  feed?: { source: string; sha256: string; format: string; items: number; importedAt: string };
  history?: { source: string; sha256: string; format: string; events: number; skipped: number; keys: number; items: number; importedAt: string };
}

export const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function writeAtomic(dir: string, name: string, data: string | Uint8Array): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, join(dir, name));
}

export function readMeta(dir: string): ImportMeta {
  const p = join(dir, META_FILE);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as ImportMeta) : {};
}

export function writeFeed(dir: string, items: readonly FeedItem[], meta: NonNullable<ImportMeta['feed']>): void {
  writeAtomic(dir, FEED_FILE, items.map((i) => JSON.stringify(i)).join('\n') + '\n');
  writeAtomic(dir, META_FILE, JSON.stringify({ ...readMeta(dir), feed: meta }, null, 2) + '\n');
}

export function writeHistory(dir: string, h: History, meta: NonNullable<ImportMeta['history']>): void {
  const parts: string[] = ['key\titem_id\tevent_type\ttimestamp_ms'];
  for (let i = 0; i < h.keys.length; i++) parts.push(`${h.keys[i]}\t${h.items[i]}\t${EVENT_TYPES[h.types[i]!]}\t${h.ms[i]}`);
  writeAtomic(dir, HISTORY_FILE, parts.join('\n') + '\n');
  writeAtomic(dir, META_FILE, JSON.stringify({ ...readMeta(dir), history: meta }, null, 2) + '\n');
}

export function readFeed(dir: string): FeedItem[] {
  const p = join(dir, FEED_FILE);
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as FeedItem);
}

/** The imported history (Shelf's own file: written by writeHistory, so only its shape is checked). */
export function readHistory(dir: string): History & { sha256: string } {
  const p = join(dir, HISTORY_FILE);
  if (!existsSync(p)) throw new ImportError(p, null, null, 'no imported history here: run `shelf import history <file> --out <dir>` first');
  const bytes = readFileSync(p);
  const lines = bytes.toString('utf8').split('\n');
  const n = lines.length - 2;
  const h = { format: 'csv' as const, keys: new Array<string>(n), items: new Array<string>(n), types: new Uint8Array(n), ms: new Float64Array(n), skipped: 0 };
  for (let i = 0; i < n; i++) {
    const f = lines[i + 1]!.split('\t');
    const t = EVENT_TYPES.indexOf(f[2] as (typeof EVENT_TYPES)[number]);
    if (f.length !== 4 || t < 0) throw new ImportError(p, i + 2, null, 'not a file written by shelf import (re-run the import)');
    h.keys[i] = f[0]!;
    h.items[i] = f[1]!;
    h.types[i] = t;
    h.ms[i] = Number(f[3]);
  }
  return { ...h, sha256: sha256Hex(bytes) };
}
