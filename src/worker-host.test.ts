import { expose } from 'comlink';
import { describe, expect, it } from 'vitest';
import type { EngineApi, EngineConfig, EngineStatus, RerankResult } from './shared/engine-api.js';
import { WorkerHost } from './worker-host.js';

/** A stand-in Worker: a MessageChannel with an engine stub exposed on the far end; `crash()` fires 'error'. */
class FakeWorker extends EventTarget {
  readonly port: MessagePort;
  terminated = false;
  constructor(engine: Partial<EngineApi>) {
    super();
    const channel = new MessageChannel();
    this.port = channel.port1;
    expose(engine, channel.port2 as unknown as Parameters<typeof expose>[1]);
  }
  postMessage(msg: unknown, transfer: Transferable[] = []): void {
    this.port.postMessage(msg, transfer);
  }
  override addEventListener(type: string, fn: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.port.addEventListener('message', fn as EventListener);
    else super.addEventListener(type, fn);
    this.port.start();
  }
  override removeEventListener(type: string, fn: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.port.removeEventListener('message', fn as EventListener);
    else super.removeEventListener(type, fn);
  }
  terminate(): void {
    this.terminated = true;
    this.port.close();
  }
  crash(): void {
    const e = new Event('error') as Event & { message: string };
    e.message = 'boom';
    this.dispatchEvent(e);
  }
}

const config = { serverUrl: 'http://x/', model: 'm', backends: ['wasm'], allowSoftwareGpu: false, trainEvery: 5, uploadMinExamples: 10, modelCheckIntervalMs: 0, dbName: 'd', debug: false } satisfies EngineConfig;
const status = { ready: true } as EngineStatus;

function engine(opts: { initDelayMs?: number; hang?: boolean } = {}): Partial<EngineApi> {
  return {
    init: async () => {
      await new Promise((r) => setTimeout(r, opts.initDelayMs ?? 0));
      return status;
    },
    rerank: async () => {
      if (opts.hang) await new Promise(() => {});
      return { source: 'model' } as RerankResult;
    },
  };
}

describe('worker host', () => {
  it('starts one worker however often start() is called', async () => {
    const made: FakeWorker[] = [];
    const host = new WorkerHost(() => (made.push(new FakeWorker(engine())), made.at(-1) as unknown as Worker), config, 1_000);
    await Promise.all([host.start(), host.start()]);
    expect(made).toHaveLength(1);
    host.terminate();
  });

  it('a crash rejects the call in flight with worker_crashed, respawns, and the next call waits for the new worker', async () => {
    const made: FakeWorker[] = [];
    const host = new WorkerHost(
      () => (made.push(new FakeWorker(engine({ hang: made.length === 0, initDelayMs: made.length === 0 ? 0 : 50 }))), made.at(-1) as unknown as Worker),
      config,
      1_000,
    );
    await host.start();
    const inFlight = host.call('rerank', [{ candidates: [] }], 5_000);
    await new Promise((r) => setTimeout(r, 10));
    made[0]!.crash();
    await expect(inFlight).rejects.toMatchObject({ code: 'worker_crashed' });
    expect(made[0]!.terminated).toBe(true);
    expect(made).toHaveLength(2);
    await expect(host.call('rerank', [{ candidates: [] }], 5_000)).resolves.toMatchObject({ source: 'model' });
    expect(host.restarts).toBe(1);
    host.terminate();
  });

  it('a call that outlives its budget rejects with timeout', async () => {
    const host = new WorkerHost(() => new FakeWorker(engine({ hang: true })) as unknown as Worker, config, 1_000);
    await host.start();
    await expect(host.call('rerank', [{ candidates: [] }], 30)).rejects.toMatchObject({ code: 'timeout' });
    host.terminate();
  });

  it('gives up after repeated crashes: calls then reject with worker_unavailable', async () => {
    const made: FakeWorker[] = [];
    const host = new WorkerHost(() => (made.push(new FakeWorker(engine())), made.at(-1) as unknown as Worker), config, 1_000);
    await host.start();
    for (let i = 0; i < 4; i++) {
      made.at(-1)!.crash();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(made).toHaveLength(4);
    await expect(host.call('rerank', [{ candidates: [] }], 100)).rejects.toMatchObject({ code: 'worker_unavailable' });
    host.terminate();
  });
});
