// What a first visit downloads over the wire (bench:browser's transferBytes): a fresh browser context opens a
// shop page with the SDK snippet and its default options, views products until the model re-ranks, then until the
// engine uploads; every request of the page and its workers is counted as received. Writes the page it opens
// into dist/bench/ (served by the server, so the HTTP cache works); never touches anything else.
import type { Browser, Request } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';

type BenchWindow = { shelf: { track(e: unknown): Promise<boolean>; rerank(c: unknown[]): Promise<{ source: string }>; status(): Promise<{ engine: { uploads: number } | null }> }; bench: { t0: number; ready: boolean; items: { id: string; vector: number[] }[] } };

interface WireRequest {
  url: string;
  bytes: number;
  contentLength: number;
  encoding: string | null;
  cacheControl: string | null;
}

/**
 * A first visit (empty cache, empty IndexedDB) over the wire: every request of the page and of its workers (the
 * engine, and the training worker it spawns), counted by the bytes Chromium received for it — response headers
 * plus body as encoded on the wire (CDP's `encodedDataLength`, which Playwright's `request.sizes()` splits into
 * headers and body). The visitor views products one by one until a re-rank comes from the model with their
 * views in it (firstRerank), then goes on until the engine has uploaded its first update (firstUpload).
 */
export async function transferBytes(browser: Browser, o: { base: string; page: string; log: (...a: unknown[]) => void }) {
  const { base, log } = o;
  const context = await browser.newContext();
  const seen: WireRequest[] = [];
  const done: Promise<void>[] = [];
  const record = (req: Request) => {
    done.push(
      (async () => {
        const res = await req.response();
        const sizes = await req.sizes();
        const headers = res ? await res.allHeaders() : {};
        const contentLength = Number(headers['content-length'] ?? Number.NaN);
        // A worker's own script (the engine's and the training worker's entry) is reported with its headers but
        // a body of 0: there the body on the wire is its content-length. A response from the HTTP cache is 0.
        const fromCache = sizes.responseHeadersSize + sizes.responseBodySize === 0;
        const body = fromCache ? 0 : Math.max(sizes.responseBodySize, Number.isFinite(contentLength) ? contentLength : 0);
        seen.push({
          url: req.url().replace(base, ''),
          bytes: fromCache ? 0 : sizes.responseHeadersSize + body,
          contentLength,
          encoding: headers['content-encoding'] ?? null,
          cacheControl: headers['cache-control'] ?? null,
        });
      })().catch(() => undefined),
    );
  };
  context.on('requestfinished', record);
  const page = await context.newPage();
  // Served by the server from dist/, not through page.route(): request interception turns the HTTP cache off,
  // and the training worker's imports are meant to come from that cache.
  mkdirSync('dist/bench', { recursive: true });
  writeFileSync('dist/bench/first-visit.html', o.page);
  await page.goto(`${base}/bench/first-visit.html`);
  await page.waitForFunction(() => (window as unknown as BenchWindow).bench?.ready === true);
  const settle = async () => {
    await page.waitForTimeout(500);
    await Promise.all(done);
    return seen.slice();
  };
  const rerank = await page.evaluate(async () => {
    const { shelf, bench } = window as unknown as BenchWindow;
    for (let i = 0; i < 600; i++) {
      const item = bench.items[i % bench.items.length]!;
      await shelf.track({ type: 'view_item', itemId: item.id, vector: item.vector });
      const r = await shelf.rerank(bench.items);
      if (r.source === 'model' && i >= 1) return { views: i + 1, ms: performance.now() - bench.t0 };
      await new Promise((r) => setTimeout(r, 20));
    }
    return null;
  });
  const atRerank = await settle();
  const upload = await page.evaluate(async () => {
    const { shelf, bench } = window as unknown as BenchWindow;
    for (let i = 0; i < 300; i++) {
      const item = bench.items[(i * 7 + 3) % bench.items.length]!;
      await shelf.track({ type: i % 3 === 2 ? 'add_to_cart' : 'view_item', itemId: item.id, vector: item.vector });
      await shelf.rerank(bench.items.slice(0, 48));
      const s = await shelf.status();
      if ((s.engine?.uploads ?? 0) > 0) return { events: i + 1, ms: performance.now() - bench.t0, uploads: s.engine!.uploads };
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  });
  const atUpload = await settle();
  if (!rerank || !upload) log('transfer: status', JSON.stringify(await page.evaluate(() => (window as unknown as BenchWindow).shelf.status())), JSON.stringify(seen));
  await context.close();
  const sum = (rs: readonly WireRequest[]) => rs.reduce((a, r) => a + r.bytes, 0);
  if (!rerank || !upload) throw new Error(`transfer: no ${rerank ? 'upload' : 'model re-rank'} on the first visit`);
  return {
    firstRerank: sum(atRerank),
    firstUpload: sum(atUpload),
    detail: {
      method:
        'a first visit in a fresh browser context (empty HTTP cache and IndexedDB): the bench page with the SDK snippet, /v1/candidates?limit=200, then view_item events until shelf.rerank() answers from the model (firstRerank), then events until the engine has uploaded (firstUpload); bytes = response headers + body as received (CDP encodedDataLength, via Playwright request.sizes()) summed over every request of the page and its workers; a worker\'s own script is reported with a body of 0, so its body counts as its content-length; a response from the HTTP cache counts 0',
      firstRerankAfter: rerank,
      firstUploadAfter: upload,
      requests: atUpload.map((r) => ({ ...r, beforeFirstRerank: atRerank.some((x) => x.url === r.url) })),
    },
  };
}

