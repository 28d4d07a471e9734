// Worker entry: exposes the engine to the page through comlink. Nothing else runs here.
import { expose } from 'comlink';
import { installErrorTransfer } from '../src/shared/comlink-errors.js';
import type { EngineApi } from '../src/shared/engine-api.js';
import { Engine } from './engine.js';

installErrorTransfer();
const engine = new Engine() satisfies EngineApi;
expose(engine);
