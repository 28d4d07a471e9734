// The federated-learning pieces shared by the worker, the server and the simulation benchmark.
export * from './clip.js';
export * from './quantize.js';
export * from './wire.js';
export * from './accountant.js';
export * from './aggregate.js';
export * from './robust.js';
