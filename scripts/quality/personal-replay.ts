// Replays one benchmark visitor's history through the worker's own local-learning code: the engine's visitor state
// (workers/visitor-state.ts), its batch (local-recipe.ts visitorBatch: history as positives, shown-and-passed-over
// items as negatives), its recipe (runLocalRecipe) and its trainer core (trainer-core.ts, what the training worker
// runs), one training call after every `trainEvery` positives, as the engine schedules them. Never sees the
// visitor's test target: the caller passes only the history before it.
import type { ModelConfig, WeightSpec } from '../../src/shared/protocol.js';
import { RECIPE, runLocalRecipe, visitorBatch, type Recipe, type RecipeTrainer } from '../../workers/local-recipe.js';
import { VisitorState } from '../../workers/visitor-state.js';
import type { DeviceScorer } from '../../trainer/device-scoring.js';
import { topK } from '../../trainer/protocols.js';
import { sampleNegatives, type Rand } from '../../trainer/rng.js';

export interface ReplayInput {
  /** Item ids the visitor bought, oldest first (everything before the evaluated target). */
  history: Int32Array;
  /** shown[i]: the list the shop showed just before event i (null or empty: none). */
  shown: readonly (Int32Array | null)[];
  /** The server's item vectors, row = item id. */
  items: Float32Array;
  config: ModelConfig;
  specs: readonly WeightSpec[];
  /** The published (global) weights the visitor's page loaded. */
  global: Float32Array;
  trainEvery: number;
  /** The trainer key: one per visitor (a fresh page on the published version). */
  key: string;
  /** The recipe (default: the worker's). */
  recipe?: Recipe;
}

export interface ReplayResult {
  /** The upload's weights after the replay (the global array itself when no call trained). */
  weights: Float32Array;
  /** The weights the visitor's own ranking uses (the global array itself when no call trained). */
  personal: Float32Array;
  /** Training calls that trained, and optimiser steps in all. */
  calls: number;
  steps: number;
}

/** Index of the last event after which the engine trains (−1 when the history is shorter than trainEvery). */
export function lastTrainingEvent(length: number, trainEvery: number): number {
  return Math.floor(length / trainEvery) * trainEvery - 1;
}

/** The replay: each shown list then the purchase, as track() applies them, and a training call every `trainEvery` positives. */
export async function replayVisitor(trainer: RecipeTrainer, r: ReplayInput): Promise<ReplayResult> {
  const d = r.config.itemDim;
  const vector = (id: number) => r.items.slice(id * d, id * d + d);
  const visitor = new VisitorState();
  let weights = r.global;
  let personal = r.global;
  let calls = 0;
  let steps = 0;
  let positives = 0;
  const last = lastTrainingEvent(r.history.length, r.trainEvery);
  for (let i = 0; i <= last; i++) {
    const list = r.shown[i];
    if (list && list.length > 0) {
      for (const id of list) visitor.setVector(String(id), vector(id));
      visitor.apply({ type: 'view_item_list', itemId: 'list', at: 2 * i, shownIds: Array.from(list, String) });
    }
    const id = r.history[i]!;
    visitor.setVector(String(id), vector(id));
    positives += visitor.apply({ type: 'purchase', itemId: String(id), at: 2 * i + 1 }) > 0 ? 1 : 0;
    if (positives < r.trainEvery) continue;
    positives = 0;
    const batch = visitorBatch(visitor, r.config);
    if (!batch) continue;
    const keys = { upload: r.key, personal: `${r.key}/personal#${calls}` };
    const out = await runLocalRecipe(trainer, keys, r.config, r.specs, r.global, weights, batch, undefined, r.recipe ?? RECIPE);
    weights = out.weights;
    personal = out.personal;
    calls++;
    steps += out.steps;
  }
  return { weights, personal, calls, steps };
}

/** What the shop shows before each event in the benchmark, which has no impressions. */
export type ShownKind = 'global-top' | 'uniform';

/**
 * The lists shown before events 1..upTo of each history: 'global-top' — the global model's top `k` for the history
 * so far, its items excluded (a shop's "recommended for you" list, which the device re-orders but does not
 * change); 'uniform' — `k` catalogue items drawn uniformly. Event 0 gets no list.
 */
export async function shownLists(
  kind: ShownKind,
  scorer: DeviceScorer,
  histories: readonly Int32Array[],
  upTo: readonly number[],
  k: number,
  itemCount: number,
  rand: Rand,
): Promise<(Int32Array | null)[][]> {
  const out = histories.map((_, u) => Array.from<Int32Array | null>({ length: upTo[u]! + 1 }).fill(null));
  if (kind === 'uniform') {
    histories.forEach((_, u) => {
      for (let i = 1; i <= upTo[u]!; i++) out[u]![i] = sampleNegatives(rand, itemCount, k, new Set());
    });
    return out;
  }
  const prefixes: { u: number; i: number; prefix: Int32Array }[] = [];
  histories.forEach((h, u) => {
    for (let i = 1; i <= upTo[u]!; i++) prefixes.push({ u, i, prefix: h.subarray(0, i) });
  });
  const n = itemCount + 1;
  for (let start = 0; start < prefixes.length; start += 256) {
    const block = prefixes.slice(start, start + 256);
    const states = await scorer.states(block.map((p) => p.prefix));
    const scores = await scorer.allItemScores(states, block.length);
    block.forEach((p, k2) => {
      out[p.u]![p.i] = topK(scores.subarray(k2 * n, k2 * n + n), k, new Set(p.prefix));
    });
  }
  return out;
}
