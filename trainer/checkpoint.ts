// The training loop's state after an epoch (weights, item table, Adam's moments, the random stream's position,
// the best and averaged weights so far, the epoch log), and its file form: a run stopped at any point continues
// from its last finished epoch and ends with the same numbers as an uninterrupted run with the same seed.
// Must never be written half: the file is replaced by a rename.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EpochLog } from './trainer.js';

export interface TrainCheckpoint {
  /** Identifies the run the checkpoint belongs to (data, options, seed); a different run ignores it. */
  run: string;
  epoch: number;
  totalSteps: number;
  randCalls: number;
  elapsedSeconds: number;
  vars: Record<string, Float32Array>;
  table: Float32Array;
  /** Adam's iteration count and moments, in getWeights() order. */
  optimizer: { name: string; shape: number[]; values: Float32Array }[];
  best: { score: number; device: Float32Array; items: Float32Array; epoch: number; averaged: boolean } | null;
  mean: { device: Float64Array | null; items: Float64Array | null; count: number };
  history: EpochLog[];
}

/** Where the loop reads a checkpoint from and hands each epoch's to. */
export interface CheckpointStore {
  load(run: string): TrainCheckpoint | null;
  save(c: TrainCheckpoint): void;
}

const TYPED = { f32: Float32Array, f64: Float64Array } as const;

function encode(_key: string, v: unknown): unknown {
  if (v instanceof Float32Array || v instanceof Float64Array) {
    return { $typed: v instanceof Float32Array ? 'f32' : 'f64', b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  }
  return v;
}

function decode(_key: string, v: unknown): unknown {
  if (v && typeof v === 'object' && '$typed' in v) {
    const { $typed, b64 } = v as { $typed: keyof typeof TYPED; b64: string };
    const bytes = Buffer.from(b64, 'base64');
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return new TYPED[$typed](copy.buffer);
  }
  return v;
}

/** A checkpoint file at `path` (JSON with base64 arrays), written every epoch. */
export function fileCheckpoints(path: string): CheckpointStore {
  return {
    load(run) {
      if (!existsSync(path)) return null;
      const c = JSON.parse(readFileSync(path, 'utf8'), decode) as TrainCheckpoint;
      return c.run === run ? c : null;
    },
    save(c) {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(c, encode));
      renameSync(tmp, path);
    },
  };
}
