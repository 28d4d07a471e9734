// Runs simulated shoppers against a storefront (bounded concurrency, bounded time) and summarises what they
// measure: within-session adaptation (product views until the wanted category fills Shelf's top 5) and the
// quality of each global model version the sessions used (share of the top 5 in the wanted category after
// two views, against the shop's own order). Used by `npm run simulate` and by the dashboard's browser test.
import type { Browser } from '@playwright/test';
import { runSession, type SessionResult } from './shopper.js';
import { eligibleCategories, makeTaste, rng, type SimProduct } from './taste.js';

export interface SimulationOptions {
  readonly baseURL: string;
  readonly shoppers: number;
  readonly concurrency: number;
  readonly views: number;
  /** Share of shoppers whose taste shifts half-way. */
  readonly shiftShare: number;
  /** Stop starting new sessions after this many ms. */
  readonly timeLimitMs: number;
  readonly seed: number;
  readonly look?: number;
  /** Storefront URL parameters (training and upload settings). */
  readonly shopParams?: Record<string, string>;
  readonly log?: (line: string) => void;
}

export interface VersionQuality {
  readonly version: number;
  readonly sessions: number;
  /** Mean share of the top 5 in the wanted category after 1 and 2 views (Shelf), and for the shop's order. */
  readonly top5ShareAt1: number;
  readonly top5ShareAt2: number;
  readonly serverTop5ShareAt2: number;
  readonly lift: number;
}

export interface SimulationSummary {
  readonly sessions: number;
  readonly failed: number;
  readonly uploads: number;
  readonly published: number[];
  readonly elapsedMs: number;
  /** Median and mean product views until the wanted category filled the top 5 (sessions that got there), and how many did within the session. */
  readonly adaptation: { readonly filled: number; readonly of: number; readonly medianViews: number | null; readonly meanViews: number | null };
  readonly afterShift: { readonly filled: number; readonly of: number; readonly medianViews: number | null; readonly meanViews: number | null };
  /** Mean top-5 share by views so far (0..views), Shelf and the shop's order. */
  readonly curve: { readonly view: number; readonly shelf: number; readonly server: number }[];
  readonly versions: VersionQuality[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const median = (xs: number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

export async function loadProducts(baseURL: string): Promise<SimProduct[]> {
  const res = await fetch(new URL('/v1/candidates?list=all&limit=200', baseURL));
  return ((await res.json()) as { items: SimProduct[] }).items.map(({ id, category, price }) => ({ id, category, price }));
}

export function summarise(results: readonly SessionResult[], views: number, elapsedMs: number): SimulationSummary {
  const ok = results.filter((r) => !r.error);
  const stat = (xs: (number | null)[], of: number) => {
    const got = xs.filter((x): x is number => x !== null);
    return { filled: got.length, of, medianViews: median(got), meanViews: r3(mean(got)) };
  };
  const curve = Array.from({ length: views + 1 }, (_, v) => {
    const at = ok.filter((r) => r.share.length > v);
    return { view: v, shelf: r3(mean(at.map((r) => r.share[v]!))) ?? 0, server: r3(mean(at.map((r) => r.serverShare[v]!))) ?? 0 };
  });
  const byVersion = new Map<number, SessionResult[]>();
  for (const r of ok) {
    const v = r.versions[1];
    if (typeof v === 'number' && r.share.length > 2) byVersion.set(v, [...(byVersion.get(v) ?? []), r]);
  }
  const versions = [...byVersion]
    .sort(([a], [b]) => a - b)
    .map(([version, rs]) => {
      const m = mean(rs.map((r) => r.share[2]!))!;
      const s = mean(rs.map((r) => r.serverShare[2]!))!;
      return { version, sessions: rs.length, top5ShareAt1: r3(mean(rs.map((r) => r.share[1]!)))!, top5ShareAt2: r3(m)!, serverTop5ShareAt2: r3(s)!, lift: r3(m - s)! };
    });
  return {
    sessions: ok.length,
    failed: results.length - ok.length,
    uploads: ok.filter((r) => r.uploaded).length,
    published: [...new Set(results.map((r) => r.published).filter((p): p is number => p !== null))].sort((a, b) => a - b),
    elapsedMs,
    adaptation: stat(ok.map((r) => r.viewsToFill), ok.length),
    afterShift: stat(ok.filter((r) => r.taste.shift).map((r) => r.viewsToFillAfterShift), ok.filter((r) => r.taste.shift).length),
    curve,
    versions,
  };
}

/** Runs the shoppers, `concurrency` at a time; sessions not started before the time limit are skipped. */
export async function simulate(browser: Browser, o: SimulationOptions): Promise<{ summary: SimulationSummary; results: SessionResult[] }> {
  const started = Date.now();
  const products = await loadProducts(o.baseURL);
  const categories = eligibleCategories(products);
  const random = rng(o.seed);
  const tastes = Array.from({ length: o.shoppers }, () => makeTaste(random, categories, o.views, o.shiftShare));
  const results: SessionResult[] = [];
  let next = 0;
  const shopParams = { timeoutMs: '5000', homeLimit: '200', ...o.shopParams };
  const lane = async () => {
    while (next < tastes.length && Date.now() - started < o.timeLimitMs) {
      const i = next++;
      const r = await runSession(browser, products, tastes[i]!, { baseURL: o.baseURL, views: o.views, look: o.look ?? 12, seed: o.seed * 1000 + i, shopParams });
      results.push(r);
      o.log?.(
        `shopper ${i + 1}/${tastes.length} (${r.taste.category}${r.taste.shift ? ` → ${r.taste.shift.category}` : ''}): model v${r.versions.find((v) => v !== null) ?? '–'}, ` +
          `top-5 share ${r.share.map((s) => s.toFixed(1)).join(' ')}${r.uploaded ? ', uploaded' : ''}${r.published ? `, published v${r.published}` : ''}${r.error ? `, FAILED: ${r.error}` : ''}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, lane));
  return { summary: summarise(results, o.views, Date.now() - started), results };
}

export interface ProbeQuality {
  readonly version: number;
  readonly probes: number;
  /** Mean share of Shelf's top 5 in the probe's category after 1 and 2 views; the shop's order's share. */
  readonly top5ShareAt1: number;
  readonly top5ShareAt2: number;
  readonly serverTop5Share: number;
  /** top5ShareAt1 − the same for version 1. */
  readonly liftAt1OverV1: number;
  /**
   * Share of probes whose Shelf top 5 (of the home list's whole pool) holds at least one item outside the
   * category they are shopping for, after 1 and 2 views; the same for the shop's own top 5.
   */
  readonly top5UnrelatedAt1: number;
  readonly top5UnrelatedAt2: number;
  readonly serverTop5Unrelated: number;
}

/** The current version of `model` on the server (GET /healthz). */
async function currentVersion(baseURL: string): Promise<number> {
  return ((await (await fetch(new URL('/healthz', baseURL))).json()) as { version: number }).version;
}

async function setCurrent(baseURL: string, token: string, model: string, version: number): Promise<void> {
  const res = await fetch(new URL(`/v1/admin/models/${model}/current`, baseURL), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ version }) });
  if (!res.ok) throw new Error(`setting ${model} v${version} current answered ${res.status}: ${await res.text()}`);
}

/**
 * The global model's quality per version, measured the same way for every version: each version is made current
 * in turn (admin API) and the same `probes` fresh shoppers (same tastes, no training, no upload) open two
 * products of their category. Makes the version that was current before current again at the end (and on Ctrl-C).
 */
export async function evaluateVersions(
  browser: Browser,
  o: { baseURL: string; token: string; model?: string; versions: readonly number[]; probes: number; concurrency: number; seed: number; log?: (line: string) => void },
): Promise<ProbeQuality[]> {
  const model = o.model ?? 'shelf-demo';
  const products = await loadProducts(o.baseURL);
  const random = rng(o.seed);
  const categories = eligibleCategories(products);
  const tastes = Array.from({ length: o.probes }, () => makeTaste(random, categories, 2, 0));
  const out: ProbeQuality[] = [];
  // Whatever was current before is made current again at the end — also on Ctrl-C — so a live server is never
  // left on a probed version.
  const before = await currentVersion(o.baseURL);
  const onInterrupt = () => {
    o.log?.(`interrupted: making v${before} current again`);
    void setCurrent(o.baseURL, o.token, model, before).finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  try {
    for (const version of o.versions) {
      await setCurrent(o.baseURL, o.token, model, version);
      const results: SessionResult[] = [];
      let next = 0;
      const lane = async () => {
        while (next < tastes.length) {
          const i = next++;
          results.push(await runSession(browser, products, tastes[i]!, { baseURL: o.baseURL, views: 2, look: 12, seed: o.seed * 1000 + i, flush: false, shopParams: { timeoutMs: '5000', homeLimit: '200', trainEvery: '100000', uploadMinExamples: '100000' } }));
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, lane));
      const ok = results.filter((r) => !r.error && r.share.length === 3 && r.versions[1] === version);
      const at1 = r3(mean(ok.map((r) => r.share[1]!)) ?? 0)!;
      const unrelated = (xs: number[]) => r3(mean(xs.map((x) => (x < 1 ? 1 : 0))) ?? 0)!;
      const q = {
        version,
        probes: ok.length,
        top5ShareAt1: at1,
        top5ShareAt2: r3(mean(ok.map((r) => r.share[2]!)) ?? 0)!,
        serverTop5Share: r3(mean(ok.map((r) => r.serverShare[1]!)) ?? 0)!,
        liftAt1OverV1: r3(at1 - (out[0]?.top5ShareAt1 ?? at1))!,
        top5UnrelatedAt1: unrelated(ok.map((r) => r.share[1]!)),
        top5UnrelatedAt2: unrelated(ok.map((r) => r.share[2]!)),
        serverTop5Unrelated: unrelated(ok.map((r) => r.serverShare[1]!)),
      };
      out.push(q);
      o.log?.(`version ${version}: ${ok.length} probes, top-5 share after 1 view ${q.top5ShareAt1}, after 2 ${q.top5ShareAt2} (shop's order ${q.serverTop5Share}); top 5 with an unrelated item after 1 view ${q.top5UnrelatedAt1}, after 2 ${q.top5UnrelatedAt2} (shop's order ${q.serverTop5Unrelated})`);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    await setCurrent(o.baseURL, o.token, model, before);
  }
  return out;
}

/** Sends each version's figures to the dashboard (POST /v1/admin/quality): the probes' when given, else the sessions'. */
export async function postQuality(baseURL: string, token: string, s: SimulationSummary, probes?: readonly ProbeQuality[]): Promise<void> {
  const points = probes?.length
    ? probes.flatMap((v) => [
        { version: v.version, metric: 'top-5 share after 1 view (Shelf)', value: v.top5ShareAt1, source: 'simulation probes', n: v.probes },
        { version: v.version, metric: 'top-5 share after 2 views (Shelf)', value: v.top5ShareAt2, source: 'simulation probes', n: v.probes },
        { version: v.version, metric: "top-5 share (shop's order)", value: v.serverTop5Share, source: 'simulation probes', n: v.probes },
      ])
    : s.versions.flatMap((v) => [
    { version: v.version, metric: 'top-5 share after 1 view (Shelf)', value: v.top5ShareAt1, source: 'simulation', n: v.sessions },
    { version: v.version, metric: 'top-5 share after 2 views (Shelf)', value: v.top5ShareAt2, source: 'simulation', n: v.sessions },
    { version: v.version, metric: "top-5 share (shop's order)", value: v.serverTop5ShareAt2, source: 'simulation', n: v.sessions },
  ]);
  if (points.length === 0) return;
  const res = await fetch(new URL('/v1/admin/quality', baseURL), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ points }) });
  if (!res.ok) throw new Error(`POST /v1/admin/quality answered ${res.status}: ${await res.text()}`);
}
