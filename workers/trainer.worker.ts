// The training worker, spawned by the engine worker: runs the optimiser steps (≈ 250 ms each for a
// SASRec-sized model on wasm) off the engine's thread, so a rerank never waits behind training. Always wasm,
// then cpu: a software GPU adapter trains 20–30× slower than wasm here, and a GPU shared with the engine's
// inference would serialise the two. Never touches IndexedDB or the network.
import { expose, transfer } from 'comlink';
import { installErrorTransfer } from '../src/shared/comlink-errors.js';
import { chooseBackend } from './backends.js';
import type { TrainerApi } from './trainer-api.js';
import { createTrainerCore } from './trainer-core-browser.js';

installErrorTransfer();
let ready: ReturnType<typeof chooseBackend> | null = null;
const core = createTrainerCore(async () => (await (ready ??= chooseBackend(['wasm', 'cpu'], false))).backend);

const trainer: TrainerApi = {
  async train(job) {
    const out = await core.train(job);
    return transfer(out, [out.weights.buffer]);
  },
};
expose(trainer);
