// Ranking metrics of the benchmark protocols: HR@1/5/10, NDCG@5/10 and MRR from the 1-based rank of each
// user's target. Ties count against the target (it is ranked below every candidate with an equal score),
// so a model that scores everything alike gets no credit. Pure arithmetic; never touches tensors.

export interface Metrics {
  users: number;
  hr1: number;
  hr5: number;
  hr10: number;
  ndcg5: number;
  ndcg10: number;
  mrr: number;
}

/** Running sums with the same fields as Metrics (divided by `users` at the end). */
export type Totals = Metrics;

export function emptyTotals(): Totals {
  return { users: 0, hr1: 0, hr5: 0, hr10: 0, ndcg5: 0, ndcg10: 0, mrr: 0 };
}

/** 1-based rank of a target with `score` among `others` (the target excluded); ties rank the target last. */
export function rankOf(score: number, others: ArrayLike<number>): number {
  let rank = 1;
  for (let i = 0; i < others.length; i++) if (!(others[i]! < score)) rank++;
  return rank;
}

/** NDCG of one relevant item at 1-based `rank`, cut off at k: 1/log2(rank+1) if rank ≤ k, else 0. */
export function ndcgAt(rank: number, k: number): number {
  return rank <= k ? 1 / Math.log2(rank + 1) : 0;
}

/** Adds one user's target rank (Infinity when the target is not among the candidates at all). */
export function accumulate(t: Totals, rank: number): void {
  t.users++;
  if (rank <= 1) t.hr1++;
  if (rank <= 5) t.hr5++;
  if (rank <= 10) t.hr10++;
  t.ndcg5 += ndcgAt(rank, 5);
  t.ndcg10 += ndcgAt(rank, 10);
  t.mrr += Number.isFinite(rank) ? 1 / rank : 0;
}

export function finish(t: Totals): Metrics {
  const n = Math.max(1, t.users);
  return {
    users: t.users,
    hr1: t.hr1 / n,
    hr5: t.hr5 / n,
    hr10: t.hr10 / n,
    ndcg5: t.ndcg5 / n,
    ndcg10: t.ndcg10 / n,
    mrr: t.mrr / n,
  };
}

/** Metrics of a list of ranks (convenience for tests and small runs). */
export function metricsOfRanks(ranks: readonly number[]): Metrics {
  const t = emptyTotals();
  for (const r of ranks) accumulate(t, r);
  return finish(t);
}
