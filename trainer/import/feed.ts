// Reads a shop's product feed: Google Merchant Center TSV, RSS 2.0 or Atom XML (fields in the g: namespace), or
// JSON Lines with the same field names. Every row is validated; the first bad one throws an ImportError naming
// file, line and field, so nothing of a bad feed is imported. Must never guess a value the shop did not give.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseCsv, CsvError } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ImportError, zodIssue } from './errors.js';
import { cleanRow, feedFieldName, FEED_FIELDS, FeedRowSchema, type FeedItem } from './feed-schema.js';

export type FeedFormat = 'tsv' | 'xml' | 'jsonl';

export interface Feed {
  format: FeedFormat;
  items: FeedItem[];
}

/** Which reader a file needs: by extension, else by its first character. */
export function feedFormat(path: string, text: string): FeedFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.tsv' || ext === '.txt') return 'tsv';
  if (ext === '.xml' || ext === '.rss' || ext === '.atom') return 'xml';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  const first = text.trimStart()[0];
  return first === '<' ? 'xml' : first === '{' ? 'jsonl' : 'tsv';
}

export function readFeedFile(path: string): Feed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ImportError(path, null, null, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseFeed(text, path);
}

/** Parses feed text; `file` names it in errors. */
export function parseFeed(text: string, file: string, format = feedFormat(file, text)): Feed {
  const rows = format === 'tsv' ? tsvRows(text, file) : format === 'xml' ? xmlRows(text, file) : jsonlRows(text, file);
  const items: FeedItem[] = [];
  const seen = new Map<string, number>();
  for (const { line, raw } of rows) {
    const parsed = FeedRowSchema.safeParse(cleanRow(raw));
    if (!parsed.success) {
      const { field, problem } = zodIssue(parsed.error);
      throw new ImportError(file, line, field, problem);
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) throw new ImportError(file, line, 'id', `duplicate id ${JSON.stringify(parsed.data.id)} (first on line ${first})`);
    seen.set(parsed.data.id, line);
    items.push(parsed.data);
  }
  if (items.length === 0) throw new ImportError(file, null, null, 'no items found');
  return { format, items };
}

interface RawRow {
  line: number;
  raw: Record<string, unknown>;
}

function tsvRows(text: string, file: string): RawRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      delimiter: '\t',
      columns: (header: string[]) => header.map(feedFieldName),
      bom: true,
      info: true,
      relax_quotes: true,
      skip_empty_lines: true,
    });
  } catch (e) {
    throw csvError(e, file);
  }
  return records.map(({ record, info }) => ({ line: info.lines, raw: pick(record) }));
}

/** A csv-parse error as an ImportError with its line. */
export function csvError(e: unknown, file: string): ImportError {
  if (e instanceof CsvError) {
    const line = (e as CsvError & { lines?: number }).lines ?? null;
    const counts = /(\d+), got (\d+)/.exec(e.message);
    if (e.code.startsWith('CSV_RECORD_INCONSISTENT') && counts) return new ImportError(file, line, null, `${counts[2]} fields, but the header has ${counts[1]}`);
    return new ImportError(file, line, null, e.message.replace(/^Invalid Record Length: /, '').replace(/,? (at|on) line \d+/, ''));
  }
  return new ImportError(file, null, null, (e as Error).message);
}

function pick(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FEED_FIELDS) if (f in record) out[f] = record[f];
  return out;
}

function xmlRows(text: string, file: string): RawRow[] {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new ImportError(file, valid.err.line, null, `not well-formed XML: ${valid.err.msg}`);
  const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => name === 'item' || name === 'entry' }).parse(text) as Record<string, unknown>;
  const rss = (doc['rss'] as { channel?: { item?: unknown[] } } | undefined)?.channel?.item;
  const atom = (doc['feed'] as { entry?: unknown[] } | undefined)?.entry;
  const entries = (rss ?? atom ?? null) as Record<string, unknown>[] | null;
  if (!entries) throw new ImportError(file, null, null, 'expected an RSS 2.0 <rss><channel><item> or an Atom <feed><entry> document');
  const tag = rss ? 'item' : 'entry';
  const lines = startLines(text, tag);
  return entries.map((entry, i) => {
    const raw: Record<string, unknown> = {};
    for (const f of FEED_FIELDS) {
      const v = entry[`g:${f}`] ?? entry[f];
      const value = f === 'link' && v !== undefined && typeof v === 'object' ? textOf(v, '@_href') : textOf(v);
      if (value !== undefined) raw[f] = value;
    }
    return { line: lines[i] ?? 0, raw };
  });
}

/** Text of a parsed node: a string, or an element with attributes (`#text`, or the given attribute). */
function textOf(v: unknown, attribute?: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return textOf(v[0], attribute);
  const o = v as Record<string, unknown>;
  const t = attribute ? (o[attribute] ?? o['#text']) : o['#text'];
  return t === undefined ? undefined : String(t);
}

/** Line numbers of each `<tag>` start, in document order (for messages about the n-th item). */
function startLines(text: string, tag: string): number[] {
  const out: number[] = [];
  const re = new RegExp(`<${tag}[\\s>]`, 'g');
  let line = 1;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    for (let i = last; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
    last = m.index;
    out.push(line);
  }
  return out;
}

function jsonlRows(text: string, file: string): RawRow[] {
  const out: RawRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.trim();
    if (s === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      throw new ImportError(file, i + 1, null, `not valid JSON: ${(e as Error).message}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ImportError(file, i + 1, null, 'expected one JSON object per line');
    const raw: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) raw[feedFieldName(k)] = x;
    out.push({ line: i + 1, raw: pick(raw) });
  }
  return out;
}

