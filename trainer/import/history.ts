// Reads a shop's history: CSV (comma, semicolon or tab; a header naming the user or session key, item id, event
// type and timestamp columns), JSON Lines of the same fields, or JSON Lines of GA4's BigQuery export (event_name,
// user_pseudo_id, event_timestamp, items[].item_id; one event per item). Every row is validated with zod; the
// first bad one throws an ImportError with file, line and field, so a bad file imports nothing.
// Must never keep a row it could not validate.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { EVENT_TYPES } from '../../src/shared/events.js';
import { ImportError, zodIssue } from './errors.js';
import { csvError } from './feed.js';
import { GA4_ITEM_EVENTS, HISTORY_COLUMNS, HistoryRowSchema } from './history-schema.js';

export type HistoryFormat = 'csv' | 'jsonl' | 'ga4';

/** The events in file order, column by column (1M events stay a few arrays, not a million objects). */
export interface History {
  format: HistoryFormat;
  keys: string[];
  items: string[];
  /** Index into EVENT_TYPES. */
  types: Uint8Array;
  /** Milliseconds since 1970. */
  ms: Float64Array;
  /** GA4 rows skipped: events Shelf does not learn from (page_view…), rows without user_pseudo_id, items without item_id. */
  skipped: number;
}

class Columns {
  keys: string[] = [];
  items: string[] = [];
  types: number[] = [];
  ms: number[] = [];
  push(key: string, item: string, type: string, ms: number): void {
    this.keys.push(key);
    this.items.push(item);
    this.types.push(EVENT_TYPES.indexOf(type as (typeof EVENT_TYPES)[number]));
    this.ms.push(ms);
  }
  done(format: HistoryFormat, skipped: number, file: string): History {
    if (this.keys.length === 0) throw new ImportError(file, null, null, 'no events found');
    return { format, keys: this.keys, items: this.items, types: Uint8Array.from(this.types), ms: Float64Array.from(this.ms), skipped };
  }
}

export function readHistoryFile(path: string): History {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ImportError(path, null, null, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseHistory(text, path);
}

export function parseHistory(text: string, file: string): History {
  const ext = extname(file).toLowerCase();
  const jsonl = ext === '.jsonl' || ext === '.ndjson' || ext === '.json' || text.trimStart().startsWith('{');
  return jsonl ? jsonlHistory(text, file) : csvHistory(text, file);
}

/** Validates one row into `out`; `line` is the line number, or with `csv` the CSV record index (turned into a line only for a bad row). */
function validated(raw: { key: unknown; item: unknown; type: unknown; ms: unknown }, file: string, line: number, names: Record<string, string>, out: Columns, csv?: { text: string; delimiter: string }): void {
  const r = HistoryRowSchema.safeParse(raw);
  if (!r.success) {
    const { field, problem } = zodIssue(r.error);
    throw new ImportError(file, csv ? lineOfRecord(csv.text, line, csv.delimiter) : line, names[field] ?? field, problem);
  }
  out.push(r.data.key, r.data.item, r.data.type, r.data.ms);
}

function csvHistory(text: string, file: string): History {
  const headerLine = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const delimiter = [',', ';', '\t'].reduce((a, b) => (headerLine.split(b).length > headerLine.split(a).length ? b : a));
  let rows: string[][];
  try {
    rows = parseCsv(text, { delimiter, bom: true, skip_empty_lines: true, relax_column_count: false });
  } catch (e) {
    throw csvError(e, file);
  }
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const index: Record<string, number> = {};
  const names: Record<string, string> = {};
  for (const [field, options] of Object.entries(HISTORY_COLUMNS)) {
    // The first name of the list that the header has (user_id before session_id, item_id before id).
    const i = options.map((o) => header.indexOf(o)).find((k) => k >= 0) ?? -1;
    if (i < 0) throw new ImportError(file, 1, field === 'ms' ? 'timestamp' : field === 'key' ? 'user_id' : field === 'item' ? 'item_id' : 'event_type', `missing column (one of ${options.join(', ')})`);
    index[field] = i;
    names[field] = header[i]!;
  }
  const out = new Columns();
  const csv = { text, delimiter };
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const raw = { key: row[index['key']!], item: row[index['item']!], type: row[index['type']!], ms: row[index['ms']!] };
    validated(raw, file, r, names, out, csv);
  }
  return out.done('csv', 0, file);
}

/** 1-based line where the r-th CSV record (header = record 0) ends, from csv-parse itself (quoted newlines, blank lines); only for a bad row. */
function lineOfRecord(text: string, r: number, delimiter: string): number {
  const records = parseCsv(text, { delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, info: true, to: r + 1 }) as unknown as { info: { lines: number } }[];
  return records[records.length - 1]?.info.lines ?? r + 1;
}

const Ga4RowSchema = z.object({
  event_name: z.string().min(1),
  user_pseudo_id: z.string().max(256).nullish(),
  event_timestamp: z.union([z.string(), z.number()]),
  items: z.array(z.object({ item_id: z.string().nullish() }).loose()).nullish(),
});

function jsonlHistory(text: string, file: string): History {
  const out = new Columns();
  let skipped = 0;
  let format: HistoryFormat | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.trim();
    if (s === '') continue;
    const line = i + 1;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      throw new ImportError(file, line, null, `not valid JSON: ${(e as Error).message}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ImportError(file, line, null, 'expected one JSON object per line');
    const o = v as Record<string, unknown>;
    format ??= 'event_name' in o ? 'ga4' : 'jsonl';
    if (format === 'jsonl') {
      const pickFirst = (names: readonly string[]) => names.find((n) => o[n] !== undefined && o[n] !== null);
      const names: Record<string, string> = {};
      const raw: Record<string, unknown> = {};
      for (const [field, options] of Object.entries(HISTORY_COLUMNS)) {
        const n = pickFirst(options) ?? options[0]!;
        names[field] = n;
        raw[field] = o[n];
      }
      validated(raw as { key: unknown; item: unknown; type: unknown; ms: unknown }, file, line, names, out);
      continue;
    }
    const g = Ga4RowSchema.safeParse(o);
    if (!g.success) {
      const { field, problem } = zodIssue(g.error);
      throw new ImportError(file, line, field, problem);
    }
    // Rows without a pseudo id (consent mode: the visitor declined analytics storage) belong to nobody: skipped.
    if (!GA4_ITEM_EVENTS.has(g.data.event_name) || !g.data.user_pseudo_id) {
      skipped++;
      continue;
    }
    const items = g.data.items ?? [];
    if (items.length === 0) skipped++;
    items.forEach((it, k) => {
      if (it.item_id === undefined || it.item_id === null || it.item_id === '') {
        skipped++;
        return;
      }
      validated({ key: g.data.user_pseudo_id!, item: it.item_id, type: g.data.event_name, ms: g.data.event_timestamp }, file, line, { key: 'user_pseudo_id', item: `items.${k}.item_id`, type: 'event_name', ms: 'event_timestamp' }, out);
    });
  }
  return out.done(format ?? 'jsonl', skipped, file);
}
