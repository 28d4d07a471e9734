// `shelf import feed|history <file> --out <dir>`: reads and validates the whole file first, then replaces the
// workspace's normalised copy in one rename, so a bad file leaves the previous import untouched.
// Must never write anything when a row is bad.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseFeed } from '../import/feed.js';
import { parseHistory } from '../import/history.js';
import { ImportError } from '../import/errors.js';
import { sha256Hex, writeFeed, writeHistory } from '../import/workspace.js';

function readText(file: string): { text: string; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ImportError(file, null, null, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return { text: bytes.toString('utf8'), sha256: sha256Hex(bytes) };
}

export interface FeedSummary {
  items: number;
  format: string;
}

export function importFeed(file: string, out: string): FeedSummary & { ids: string[] } {
  const { text, sha256 } = readText(file);
  const feed = parseFeed(text, file);
  writeFeed(out, feed.items, { source: resolve(file), sha256, format: feed.format, items: feed.items.length, importedAt: new Date().toISOString() });
  return { items: feed.items.length, format: feed.format, ids: feed.items.map((i) => i.id) };
}

export interface HistorySummary {
  events: number;
  keys: number;
  items: number;
  skipped: number;
  format: string;
}

export function importHistory(file: string, out: string): HistorySummary {
  const { text, sha256 } = readText(file);
  const h = parseHistory(text, file);
  const summary = { events: h.keys.length, keys: new Set(h.keys).size, items: new Set(h.items).size, skipped: h.skipped, format: h.format };
  writeHistory(out, h, { source: resolve(file), sha256, importedAt: new Date().toISOString(), ...summary });
  return summary;
}
