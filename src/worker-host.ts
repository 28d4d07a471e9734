// Starts the engine worker and calls it through comlink with a timeout on every call. Rejects pending calls
// when the worker dies and respawns it (re-running init; at most MAX_RESPAWNS times per page); calls made while
// it restarts wait for it, inside their own time budget. Never lets a worker failure throw into the page:
// callers get a rejected promise with a ShelfError code. Never starts a second worker while one is alive.
import { wrap, type Remote } from 'comlink';
import { installErrorTransfer } from './shared/comlink-errors.js';
import type { EngineApi, EngineConfig } from './shared/engine-api.js';
import { ShelfError, toShelfError } from './shared/errors.js';

type Method = keyof EngineApi;
type Args<M extends Method> = Parameters<EngineApi[M]>;
type Result<M extends Method> = Awaited<ReturnType<EngineApi[M]>>;

/** Crashes survived per page before Shelf gives up and leaves the shop its own order. */
const MAX_RESPAWNS = 3;

export class WorkerHost {
  private worker: Worker | null = null;
  private remote: Remote<EngineApi> | null = null;
  private readonly pending = new Set<(err: ShelfError) => void>();
  private respawns = 0;
  private dead = false;
  /** Set while a respawned worker re-initialises; calls wait on it. */
  private restarting: Promise<unknown> | null = null;
  private started: Promise<Result<'init'>> | null = null;

  /** How many times the worker was restarted after a crash. */
  get restarts(): number {
    return this.respawns;
  }

  constructor(
    private readonly createWorker: () => Worker,
    private readonly config: EngineConfig,
    private readonly initTimeoutMs: number,
  ) {
    installErrorTransfer();
  }

  /** Starts the worker and initialises the engine. */
  start(): Promise<Result<'init'>> {
    if (!this.started) {
      this.spawn();
      this.started = this.call('init', [this.config], this.initTimeoutMs);
    }
    return this.started;
  }

  /** Calls an engine method; rejects with `timeout`, `worker_crashed` or `worker_unavailable`. */
  call<M extends Method>(method: M, args: Args<M>, timeoutMs: number): Promise<Result<M>> {
    if (this.restarting && method !== 'init') {
      const deadline = Date.now() + timeoutMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ShelfError('timeout', `${method} took longer than ${timeoutMs} ms (engine restarting)`)), timeoutMs);
      });
      return Promise.race([this.restarting.catch(() => undefined), late])
        .finally(() => clearTimeout(timer))
        .then(() => this.call(method, args, Math.max(1, deadline - Date.now())));
    }
    const remote = this.remote;
    if (!remote || this.dead) return Promise.reject(new ShelfError('worker_unavailable', 'the engine worker is not running'));
    return new Promise<Result<M>>((resolve, reject) => {
      const fail = (err: ShelfError) => {
        clearTimeout(timer);
        this.pending.delete(fail);
        reject(err);
      };
      const timer = setTimeout(() => fail(new ShelfError('timeout', `${method} took longer than ${timeoutMs} ms`)), timeoutMs);
      this.pending.add(fail);
      const fn = remote[method] as unknown as (...a: Args<M>) => Promise<Result<M>>;
      Promise.resolve()
        .then(() => fn(...args))
        .then(
          (value) => {
            clearTimeout(timer);
            this.pending.delete(fail);
            resolve(value);
          },
          (err: unknown) => fail(toShelfError(err)),
        );
    });
  }

  terminate(): void {
    this.dead = true;
    this.worker?.terminate();
    this.rejectAll(new ShelfError('worker_unavailable', 'Shelf was shut down'));
  }

  private spawn(): void {
    const worker = this.createWorker();
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.onCrash(event.message || 'worker error');
    });
    worker.addEventListener('messageerror', () => this.onCrash('a message could not be decoded'));
    this.worker = worker;
    this.remote = wrap<EngineApi>(worker);
  }

  private onCrash(message: string): void {
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
    this.rejectAll(new ShelfError('worker_crashed', `the engine worker stopped: ${message}`));
    if (this.respawns < MAX_RESPAWNS && !this.dead) {
      this.respawns++;
      this.spawn();
      const restarting: Promise<unknown> = this.call('init', [this.config], this.initTimeoutMs)
        .catch(() => {
          this.dead = true;
        })
        .finally(() => {
          if (this.restarting === restarting) this.restarting = null;
        });
      this.restarting = restarting;
    } else {
      this.dead = true;
    }
  }

  private rejectAll(err: ShelfError): void {
    for (const fail of [...this.pending]) fail(err);
  }
}
