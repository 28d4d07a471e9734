// The ## Privacy section of docs/BENCHMARKS.md, written from the privacy benchmark's results object (the same
// object as bench/results/privacy.json). Formatting only: every figure comes from the results.
import type { PrivacyRow } from './harness.js';

export interface PrivacyResult {
  readonly generatedBy: string;
  readonly seconds: number;
  readonly settings: Readonly<Record<string, Readonly<Record<string, string | number>>>>;
  readonly clip: number;
  readonly chunk: number;
  readonly attack: {
    readonly used: string;
    readonly variants: readonly { attack: string; demo: number; benchmark: number }[];
    readonly sensitivity: readonly { model: string; case: string; itemPrecision: number }[];
  };
  readonly rows: readonly PrivacyRow[];
  readonly upload78kBytes: number;
}

const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);

export function privacySection(r: PrivacyResult): string {
  const lines = [
    '## Privacy',
    '',
    'What a party that receives model updates can learn of a visitor\'s items, with nothing but what it receives, the',
    `public base weights and the public item vectors. Command: \`${r.generatedBy}\` (bench/privacy.ts; results in`,
    `\`bench/results/privacy.json\`; ${r.seconds} s on 2 cores shared with another benchmark).`,
    '',
    `Attack (the strongest of those tried, used in every row): **${r.attack.used}**. One SGD step changes input_proj by`,
    '−lr·Xᵀδ, where the rows of X are the vectors of the items the visitor fed the model, so that block lies in the span of',
    'their item vectors (output_proj likewise in the span of the targets and the negatives). The greedy form takes the',
    'catalogue item that explains most of the block, projects its direction out, and repeats, so it needs no rank',
    'estimate, and clipping only rescales the update, which the scores ignore. Items: precision at m, m = the visitor\'s number',
    'of distinct items in the training window; chance = m / catalogue size. Recall: share of the visitor\'s items in the',
    'top B. Categories: share of the top m in one of the visitor\'s categories, and whether the commonest category of',
    'the top m is the visitor\'s commonest; their chance is the same figure for random rankings.',
    `Clip bound C = ${r.clip} (the server's default), int8 chunk ${r.chunk}.`,
    '',
    '| model | view (who sees it) | items recovered (precision at m) | chance | recall at B (chance) | category precision (chance) | main category (chance) | visitors |',
    '|---|---|---|---|---|---|---|---|',
    ...r.rows.map(
      (x) =>
        `| ${x.model} | \`${x.view}\` (${x.party}) | ${f3(x.itemPrecision)} ± ${f3(x.itemPrecisionSe)} | ${f3(x.chance)} | ${f2(x.itemRecall)} at ${x.recallBudget} (${f2(x.recallChance)}) | ${f2(x.categoryPrecision)} (${f2(x.categoryChance)}) | ${f2(x.mainCategory)} (${f2(x.mainCategoryChance)}) | ${x.visitors} |`,
    ),
    '',
    '± is one standard error over visitors. Views: `plain-upload` = one clipped, int8-quantised update, decoded (what the',
    'server receives today); `sum-of-100` = the sum of 100 such uploads plus Gaussian noise z·C with z = 1, attacked once',
    'per cohort and scored for every member; `single-noised-z…` = one update with Gaussian noise z·C added on the device',
    'before the int8 encoding. Adding a view (e.g. a secure-aggregation party): see the comment atop',
    '`bench/privacy/views.ts`.',
    '',
    'Settings:',
    ...Object.entries(r.settings).flatMap(([model, about]) => [`- **${model}**: ${Object.values(about).join('; ')}.`]),
    '',
    'Attack variants on plain uploads (precision at m, first visitors of each setting):',
    '',
    '| attack | demo | benchmark |',
    '|---|---|---|',
    ...r.attack.variants.map((v) => `| ${v.attack} | ${f3(v.demo)} | ${f3(v.benchmark)} |`),
    '',
    'The chosen attack on plain uploads of the same visitors when the recipe or the base weights differ:',
    '',
    '| model | case | precision at m |',
    '|---|---|---|',
    ...r.attack.sensitivity.map((s) => `| ${s.model} | ${s.case} | ${f3(s.itemPrecision)} |`),
    '',
    `The upload of the 78k-parameter model under secure aggregation (one report, a 69-character ticket): ${r.upload78kBytes} bytes`,
    '(`upload78kBytes`): over the 65,536-byte keepalive cap, so the worker queues it in IndexedDB and sends it without keepalive (`e2e/secure-upload-large.spec.ts`); the plain int8 upload it replaces was 79,591 bytes.',
    '',
  ];
  return lines.join('\n');
}
