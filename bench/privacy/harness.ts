// Runs the attack on every view of one setting and turns the per-visitor figures into result rows. A single-visitor
// view is attacked once per visitor; a cohort view once per cohort (disjoint cohorts of a seeded shuffle; visitors
// left over are in no cohort), the one ranking scored against every member. Never gives the attack anything but
// the observation, the public base layout and the public catalogue.
import { gaussianFrom } from '../../src/shared/federated/aggregate.js';
import { mulberry32 } from '../../src/shared/model/weights.js';
import { rankItems, variantLabel, type AttackVariant } from './attack.js';
import { chanceScore, mean, scoreRanking, standardError, type VisitorScore } from './scores.js';
import type { Setting } from './setting.js';
import { decodeObservation, type View, type ViewContext } from './views.js';

export interface PrivacyRow {
  readonly model: 'demo' | 'benchmark';
  readonly view: string;
  readonly party: string;
  readonly attack: string;
  /** Visitors per observation and the noise multiplier the observation carries. */
  readonly cohort: number;
  readonly z: number;
  /** Precision at the number of items (m = the visitor's distinct items), mean over visitors, and its standard error. */
  readonly itemPrecision: number;
  readonly itemPrecisionSe: number;
  /** Chance for it: the mean of m / catalogue size. */
  readonly chance: number;
  readonly itemRecall: number;
  readonly recallBudget: number;
  readonly recallChance: number;
  readonly categoryPrecision: number;
  readonly categoryChance: number;
  readonly mainCategory: number;
  readonly mainCategoryChance: number;
  readonly visitors: number;
  readonly meanItems: number;
  readonly catalogueItems: number;
}

export interface HarnessContext {
  readonly clip: number;
  readonly chunk: number;
  readonly seed: number;
}

function viewContext(s: Setting, h: HarnessContext, salt: number): ViewContext {
  const random = mulberry32(h.seed ^ salt);
  return { clip: h.clip, chunk: h.chunk, layout: s.layout, base: s.base, random, gaussian: gaussianFrom(mulberry32((h.seed ^ salt) + 1)) };
}

/** Chance figures per visitor (random rankings), computed once per setting. */
export function chanceScores(s: Setting, seed: number): VisitorScore[] {
  return s.visitors.map((v, i) => chanceScore(v.truth, s.catalogue, s.recallBudget, 20, seed + i));
}

/** Per-visitor figures of the attack on one view (visitors in no cohort are left out: null). */
export async function attackView(s: Setting, updates: readonly Float32Array[], view: View, variant: AttackVariant, h: HarnessContext, salt: number): Promise<(VisitorScore | null)[]> {
  const ctx = viewContext(s, h, salt);
  const out: (VisitorScore | null)[] = s.visitors.map(() => null);
  const order = Array.from(s.visitors.keys());
  if (view.cohort > 1) {
    const shuffle = mulberry32(h.seed ^ (salt * 31));
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(shuffle() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  }
  for (let at = 0; at + view.cohort <= order.length; at += view.cohort) {
    const members = order.slice(at, at + view.cohort);
    const observed = decodeObservation(await view.observe(members.map((k) => updates[k]!), ctx));
    const depth = Math.max(s.recallBudget, ...members.map((k) => s.visitors[k]!.truth.length));
    const ranking = rankItems(observed, s.layout, s.catalogue, variant, depth);
    for (const k of members) out[k] = scoreRanking(ranking, s.visitors[k]!.truth, s.catalogue, s.recallBudget);
  }
  return out;
}

/** One result row from per-visitor figures and their chance figures. */
export function summarise(s: Setting, view: View, variant: AttackVariant, scores: readonly (VisitorScore | null)[], chance: readonly VisitorScore[]): PrivacyRow {
  const idx = scores.flatMap((x, i) => (x ? [i] : []));
  const got = idx.map((i) => scores[i]!);
  const base = idx.map((i) => chance[i]!);
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    model: s.model,
    view: view.name,
    party: view.party,
    attack: variantLabel(variant),
    cohort: view.cohort,
    z: view.z,
    itemPrecision: r4(mean(got.map((g) => g.itemPrecision))),
    itemPrecisionSe: r4(standardError(got.map((g) => g.itemPrecision))),
    chance: r4(mean(base.map((g) => g.itemPrecision))),
    itemRecall: r4(mean(got.map((g) => g.itemRecall))),
    recallBudget: s.recallBudget,
    recallChance: r4(mean(base.map((g) => g.itemRecall))),
    categoryPrecision: r4(mean(got.map((g) => g.categoryPrecision))),
    categoryChance: r4(mean(base.map((g) => g.categoryPrecision))),
    mainCategory: r4(mean(got.map((g) => g.mainCategory))),
    mainCategoryChance: r4(mean(base.map((g) => g.mainCategory))),
    visitors: got.length,
    meanItems: r4(mean(got.map((g) => g.items))),
    catalogueItems: s.catalogue.count,
  };
}
