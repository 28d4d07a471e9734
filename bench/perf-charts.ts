// Renders the browser benchmark's re-rank chart (docs/perf-rerank.svg) from bench/results/browser.json with
// vega-lite in Node: p50 and p95 per backend and candidate count beside the loopback-HTTP baseline, log scale.
// Run: npx tsx bench/perf-charts.ts   (bench:browser calls it at the end). Reads results only; never measures.
import { readFileSync } from 'node:fs';
import type * as vl from 'vega-lite';
import { writeSvg } from '../scripts/lib/docs-output.js';

interface Row {
  backend?: string;
  candidates: number;
  p50Ms: number;
  p95Ms: number;
}

export async function renderRerankChart(resultsPath = 'bench/results/browser.json', out = 'docs/perf-rerank.svg'): Promise<void> {
  const r = JSON.parse(readFileSync(resultsPath, 'utf8')) as { rerank: Row[]; httpBaseline: Row[] };
  const rows = [...r.rerank.map((x) => ({ ...x, who: `on device: ${x.backend}` })), ...r.httpBaseline.map((x) => ({ ...x, who: 'server over HTTP (loopback)' }))];
  const values = rows.flatMap((x) => [
    { who: x.who, candidates: String(x.candidates), stat: 'p50', ms: Math.max(0.05, x.p50Ms) },
    { who: x.who, candidates: String(x.candidates), stat: 'p95', ms: Math.max(0.05, x.p95Ms) },
  ]);
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { field: 'stat', type: 'nominal', title: null },
    spec: {
      width: 260,
      height: 180,
      mark: 'bar',
      encoding: {
        x: { field: 'candidates', type: 'ordinal', sort: ['50', '200', '1000'], title: 'candidates' },
        xOffset: { field: 'who' },
        y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms from the page’s call (log)' },
        color: { field: 'who', type: 'nominal', legend: { orient: 'bottom', columns: 3, title: null } },
        tooltip: [{ field: 'who' }, { field: 'candidates' }, { field: 'ms', format: '.2f' }],
      },
    },
    config: { font: 'sans-serif', background: 'white' },
  };
  await writeSvg(spec, out);
}

if (import.meta.url === `file://${process.argv[1]}`) await renderRerankChart();
