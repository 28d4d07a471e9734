// The '### Personal learning lift' part of the Quality section: the global model against local learning on the same
// sample of test users (personal-lift.ts), per data set and protocol. Writes only numbers that are in the rows.
import type { ResultRow } from './evaluate.js';

const f4 = (x: number) => x.toFixed(4).replace(/^0\./, '.');
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;

/** Markdown lines for the lift rows (none when the run had none). */
export function liftSection(rows: readonly ResultRow[]): string[] {
  const local = rows.filter((x) => x.personalLift?.role === 'local');
  if (local.length === 0) return [];
  const p = local[0]!.personalLift!;
  const out = [
    '',
    '### Personal learning lift',
    '',
    `For a seeded sample of test users (the same users and candidates for both rows), each visitor's history before`,
    'the test item is replayed through the worker\'s own local learning (`scripts/quality/personal-replay.ts`: the',
    'engine\'s `VisitorState`, `visitorBatch` and `runLocalRecipe` from `workers/local-recipe.ts`, and the training',
    `worker's trainer core), one training call after every ${p.trainEvery} purchases (the default \`trainEvery\`), starting from the`,
    'published model; then the test item is ranked with the weights the visitor\'s own ranking uses. The data sets have',
    `no impressions: before each event the shop is taken to show ${p.shown === 'global-top' ? `the global model's top ${p.listSize} for the history so far` : `${p.listSize} catalogue items drawn uniformly`}`,
    '(the visitor\'s items excluded), and what was shown and not bought before a training call is its negatives, as in the',
    'worker. Visitors with fewer purchases than `trainEvery` never train and keep the global ranking. `shelf-lift-global` is',
    'the global model on the sample, `shelf-local` the same users after local learning; the interval is a 95% paired',
    'bootstrap (1,000 resamples of users) of NDCG@10 local / global − 1.',
    '',
    '| data set | protocol | users (trained) | global NDCG@10 | local NDCG@10 | lift | 95% interval | global HR@10 | local HR@10 | seconds |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const l of local) {
    const g = rows.find((x) => x.personalLift?.role === 'global' && x.dataset === l.dataset && x.protocol === l.protocol)!;
    const i = l.personalLift!;
    out.push(`| ${l.dataset} | ${l.protocol} | ${i.users} (${i.trainedUsers}) | ${f4(g.ndcg10)} | ${f4(l.ndcg10)} | ${pct(i.lift)} | ${pct(i.ci[0])} … ${pct(i.ci[1])} | ${f4(g.hr10)} | ${f4(l.hr10)} | ${i.seconds} |`);
  }
  return out;
}
