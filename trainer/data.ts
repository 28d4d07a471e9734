// Reads the benchmark data sets (Amazon Games, Beauty, Sports) from the shared data folder into per-user
// item sequences, and splits them leave-one-out. Rejects malformed files with the file, line and problem.
// Must never copy, download or write data: it only reads the folder it is given.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DATASETS = ['games', 'beauty', 'sports'] as const;
export type DatasetName = (typeof DATASETS)[number];

interface DatasetFiles {
  /** Interactions file, relative to the data folder. */
  readonly file: string;
  /** `pairs`: one `user item` per line (SASRec); `lines`: `user item1 item2 …` per line (S3-Rec). */
  readonly format: 'pairs' | 'lines';
  /** Item attributes (S3-Rec's `{"item": [attribute, …]}`), when the data set has them. */
  readonly attributes?: string;
}

export const DATASET_FILES: Readonly<Record<DatasetName, DatasetFiles>> = {
  games: { file: 'amazon-games/Video.txt', format: 'pairs' },
  beauty: { file: 'amazon-s3rec/Beauty.txt', format: 'lines', attributes: 'amazon-s3rec/Beauty_item2attributes.json' },
  sports: {
    file: 'amazon-s3rec/Sports_and_Outdoors.txt',
    format: 'lines',
    attributes: 'amazon-s3rec/Sports_and_Outdoors_item2attributes.json',
  },
};

/** The data folder: `--data-dir`, else $SHELF_BENCH_DATA, else ../shared/data (relative to the project root). */
export function defaultDataDir(): string {
  return process.env['SHELF_BENCH_DATA'] ?? '../shared/data';
}

/** A data file that does not have the expected shape; the message names the file and line. */
export class DataFormatError extends Error {
  override readonly name = 'DataFormatError';
}

export interface Dataset {
  /** A benchmark data set (games, beauty, sports) or a shop's name. */
  readonly name: string;
  /** Full per-user sequences of 1-based item ids, time-ordered. */
  readonly sequences: readonly Int32Array[];
  /** Largest item id (ids run 1..itemCount). */
  readonly itemCount: number;
  /** Identifies exactly which data a model was trained on: file hash and slice. */
  readonly fingerprint: DatasetFingerprint;
}

export interface DatasetFingerprint {
  readonly dataset: string;
  readonly file: string;
  readonly sha256: string;
  /** Only the first `maxUsers` users were read (a test slice), or null for all. */
  readonly maxUsers: number | null;
  readonly users: number;
  readonly items: number;
}

function positiveInt(token: string, file: string, line: number, what: string): number {
  if (!/^\d+$/.test(token) || Number(token) < 1) {
    throw new DataFormatError(`${file}:${line}: ${what} must be a positive integer, got ${JSON.stringify(token.slice(0, 40))}`);
  }
  return Number(token);
}

/** Parses interaction text (exported for tests); `label` names the file in error messages. */
export function parseInteractions(text: string, format: DatasetFiles['format'], label: string, maxUsers: number | null = null): Int32Array[] {
  const users = new Map<number, number[]>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const tokens = raw.split(/\s+/);
    const lineNo = i + 1;
    if (format === 'pairs' && tokens.length !== 2) {
      throw new DataFormatError(`${label}:${lineNo}: expected "user_id item_id", got ${tokens.length} fields`);
    }
    if (format === 'lines' && tokens.length < 2) {
      throw new DataFormatError(`${label}:${lineNo}: expected "user_id item_1 … item_n" with at least one item`);
    }
    const user = positiveInt(tokens[0]!, label, lineNo, 'user id');
    if (format === 'lines' && users.has(user)) throw new DataFormatError(`${label}:${lineNo}: user ${user} appears on two lines`);
    if (!users.has(user)) {
      if (maxUsers !== null && users.size >= maxUsers) {
        if (format === 'lines') break;
        continue;
      }
      users.set(user, []);
    }
    const seq = users.get(user)!;
    for (const t of tokens.slice(1)) seq.push(positiveInt(t, label, lineNo, 'item id'));
  }
  if (users.size === 0) throw new DataFormatError(`${label}: no interactions found`);
  return [...users.values()].map((s) => Int32Array.from(s));
}

/** Loads a data set (optionally only its first `maxUsers` users) from `dataDir`. */
export function loadDataset(name: DatasetName, dataDir: string, maxUsers: number | null = null): Dataset {
  const spec = DATASET_FILES[name];
  const path = join(dataDir, spec.file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataFormatError(`cannot read ${path} (data folder ${dataDir}; set --data-dir or SHELF_BENCH_DATA): ${(e as Error).message}`);
  }
  const sequences = parseInteractions(bytes.toString('utf8'), spec.format, path, maxUsers);
  let itemCount = 0;
  for (const s of sequences) for (const i of s) if (i > itemCount) itemCount = i;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    name,
    sequences,
    itemCount,
    fingerprint: { dataset: name, file: spec.file, sha256, maxUsers, users: sequences.length, items: itemCount },
  };
}

/** Reads `{"item": [attribute, …]}`; returns attribute lists indexed by item id (index 0 unused). */
export function loadAttributes(name: DatasetName, dataDir: string, itemCount: number): number[][] {
  const spec = DATASET_FILES[name];
  if (!spec.attributes) throw new DataFormatError(`data set ${name} has no attribute file`);
  const path = join(dataDir, spec.attributes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataFormatError(`${path}: not readable JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new DataFormatError(`${path}: expected an object of item → attribute ids`);
  const out: number[][] = Array.from({ length: itemCount + 1 }, () => []);
  for (const [key, value] of Object.entries(parsed)) {
    const item = Number(key);
    if (!Number.isInteger(item) || item < 1) throw new DataFormatError(`${path}: key ${JSON.stringify(key)} is not an item id`);
    if (!Array.isArray(value) || !value.every((a) => Number.isInteger(a))) throw new DataFormatError(`${path}: item ${key}: expected a list of attribute ids`);
    if (item <= itemCount) out[item] = value as number[];
  }
  return out;
}

/** Leave-one-out parts of a sequence: training prefix, validation target, test target (SASRec's split). */
export interface Split {
  readonly train: Int32Array;
  readonly valid: number | null;
  readonly test: number | null;
}

/** Users with fewer than 3 interactions keep everything for training and are not evaluated (as SASRec does). */
export function splitLeaveOneOut(seq: Int32Array): Split {
  if (seq.length < 3) return { train: seq, valid: null, test: null };
  return { train: seq.subarray(0, seq.length - 2), valid: seq[seq.length - 2]!, test: seq[seq.length - 1]! };
}
