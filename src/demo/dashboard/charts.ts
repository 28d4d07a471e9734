// The dashboard's plots: Vega-Lite specs compiled to Vega and rendered as SVG (vega + vega-lite, no embed
// wrapper). Each chart says so when it has no data rather than drawing empty axes.
import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

type Row = Record<string, unknown>;

async function draw(id: string, spec: TopLevelSpec, rows: readonly Row[], empty: string): Promise<void> {
  const el = document.getElementById(id)!;
  el.replaceChildren();
  if (rows.length === 0) {
    const p = document.createElement('p');
    p.className = 'none';
    p.textContent = empty;
    el.append(p);
    el.dataset['rendered'] = 'empty';
    return;
  }
  const full = { ...spec, data: { values: rows }, width: 'container', height: 180, $schema: 'https://vega.github.io/schema/vega-lite/v6.json' } as TopLevelSpec;
  const view = new View(parse(compile(full).spec), { renderer: 'svg', container: el, hover: true });
  await view.runAsync();
  el.dataset['rendered'] = 'chart';
}

export interface DashboardData {
  versions: { version: number; parent: number | null; current: boolean; kind: string; createdAt: string; round: number | null; updates: number; examples: number; epsilon: number | null }[];
  rounds: { round: number; version: number; participants: number | null; examples: number | null; epsilon: number | null }[];
  /** Accepted updates per round and norm bin [lo, hi). */
  norms: { round: number; lo: number; hi: number; count: number }[];
  quality: { version: number; metric: string; value: number; source: string; n?: number }[];
  clip: number | null;
}

export async function drawAll(d: DashboardData): Promise<void> {
  await draw(
    'chart-quality',
    {
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'version', type: 'ordinal', title: 'model version' },
        y: { field: 'value', type: 'quantitative', title: 'value' },
        color: { field: 'metric', type: 'nominal', legend: { orient: 'bottom' } },
        tooltip: [{ field: 'version' }, { field: 'metric' }, { field: 'value', format: '.3f' }, { field: 'source' }, { field: 'n' }],
      },
    } as TopLevelSpec,
    d.quality,
    'No quality figures yet: run `npm run simulate`, or POST your own to /v1/admin/quality.',
  );
  await draw(
    'chart-participants',
    {
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'round', type: 'ordinal' },
        y: { field: 'participants', type: 'quantitative', title: 'updates in the cohort' },
        tooltip: [{ field: 'round' }, { field: 'version' }, { field: 'participants' }, { field: 'examples' }],
      },
    } as TopLevelSpec,
    d.rounds,
    'No round has published a version yet.',
  );
  await draw(
    'chart-epsilon',
    {
      mark: { type: 'line', point: true, interpolate: 'step-after' },
      encoding: {
        x: { field: 'round', type: 'ordinal' },
        y: { field: 'epsilon', type: 'quantitative', title: 'cumulative ε' },
        tooltip: [{ field: 'round' }, { field: 'version' }, { field: 'epsilon', format: '.3f' }],
      },
    } as TopLevelSpec,
    d.rounds.filter((r) => r.epsilon !== null),
    'No differentially private round yet.',
  );
  await draw(
    'chart-norms',
    {
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'lo', type: 'quantitative', bin: { binned: true }, title: `L2 norm${d.clip ? ` (clip C = ${d.clip})` : ''}`, ...(d.clip ? { scale: { domain: [0, d.clip * 1.1] } } : {}) },
        x2: { field: 'hi' },
        y: { aggregate: 'sum', field: 'count', type: 'quantitative', title: 'updates' },
        tooltip: [{ field: 'lo', format: '.2f' }, { field: 'hi', format: '.2f' }, { aggregate: 'sum', field: 'count', title: 'updates' }],
      },
    } as TopLevelSpec,
    d.norms,
    'No update norms: under secure aggregation no server sees an update, nor its norm (or none was accepted since this server started keeping norms).',
  );
}
