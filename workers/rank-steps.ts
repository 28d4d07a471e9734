// Steps of a rerank around the model's scores: adjustments and the limit applied to an order, the candidate
// facts those adjustments read (from a plain or a binary request), and the vectors of a request worth keeping
// for the visitor's history. Pure functions over the prepared request: no I/O, no model, never throws.
import type { FallbackReason, RerankRequest } from '../src/shared/engine-api.js';
import type { ShelfError } from '../src/shared/errors.js';
import type { DecodedRerankRequest } from '../src/shared/rerank-wire.js';
import { applyAdjustments, type CandidateFacts } from './adjustments.js';
import { rankedItems, type PreparedCandidates, type Ranking } from './ranking.js';
import type { VisitorState } from './visitor-state.js';

/** An order with the request's adjustments and limit applied, and the notes so far plus the adjustments'. */
export function finishRanking(
  prepared: PreparedCandidates,
  ranking: Ranking,
  notes: string[],
  request: { readonly adjust?: RerankRequest['adjust']; readonly limit?: number },
  facts: () => CandidateFacts,
  visitor: VisitorState,
): { ranking: Ranking; notes: string[] } {
  let out = ranking;
  let all = notes;
  // Category and stock facts are only read by adjustments: not collected when none are asked for.
  if (request.adjust && typeof request.adjust === 'object') {
    const done = applyAdjustments(rankedItems(prepared.ids, ranking), request.adjust, facts(), visitor);
    out = { idx: Int32Array.from(done.items, (item) => item.serverRank), scoreOf: ranking.scoreOf };
    all = [...notes, ...done.notes];
  }
  const limit = request.limit;
  if (typeof limit === 'number' && Number.isInteger(limit) && limit >= 0 && limit < out.idx.length) out = { ...out, idx: out.idx.subarray(0, limit) };
  return { ranking: out, notes: all };
}

/**
 * Keeps the request's vectors in the visitor's cache (copies of the matrix rows: a view would pin the whole
 * matrix) and returns those new to it, for the event store.
 */
export function freshVectors(prepared: PreparedCandidates, visitor: VisitorState, dim: number): [string, Float32Array][] {
  const fresh: [string, Float32Array][] = [];
  const known = visitor.vectors;
  const { ids, rowOf, matrix } = prepared;
  for (let i = 0; i < ids.length; i++) {
    const row = rowOf[i]!;
    if (row < 0) continue;
    const id = ids[i]!;
    const old = known.get(id);
    const v = old && sameRow(old, matrix, row * dim, dim) ? old : matrix.slice(row * dim, row * dim + dim);
    if (visitor.setVector(id, v)) fresh.push([id, v]);
  }
  return fresh;
}

/** True when `a` equals the `dim` values of `m` from `offset`. */
function sameRow(a: Float32Array, m: Float32Array, offset: number, dim: number): boolean {
  if (a.length !== dim || offset + dim > m.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== m[offset + i]) return false;
  return true;
}

/** Category and stock per candidate id from a binary request (malformed ids skipped; a later duplicate wins, as in candidateFacts). */
export function packedFacts(req: DecodedRerankRequest): Required<CandidateFacts> {
  const category = new Map<string, string>();
  const inStock = new Map<string, boolean>();
  req.keys.forEach((id, i) => {
    if (!id) return;
    const c = req.categories?.[i];
    if (typeof c === 'string') category.set(id, c);
    const s = req.inStock?.[i];
    if (s === 0 || s === 1) inStock.set(id, s === 1);
  });
  return { category, inStock };
}

/** Why the engine cannot rank with a model: not initialized, or what the model's loading error says. */
export function noModelReason(initialized: boolean, modelError: ShelfError | null): FallbackReason {
  if (!initialized) return 'not_initialized';
  if (modelError?.code === 'model_integrity' || modelError?.code === 'model_mismatch') return 'model_integrity';
  if (modelError?.code === 'model_unavailable' || modelError?.code === 'network') return 'model_unavailable';
  return 'no_model';
}

/**
 * The prepared request with vectors from `known` for the candidates that came without one (fetched or cached by
 * the engine); candidates still without a vector keep their server slot. Rows stay in server order. Returns
 * `prepared` itself when nothing was filled.
 */
export function fillVectors(prepared: PreparedCandidates, known: ReadonlyMap<string, Float32Array>, dim: number): PreparedCandidates {
  const { ids, rowOf: oldRowOf, matrix: oldMatrix } = prepared;
  let filled = 0;
  for (let i = 0; i < ids.length; i++) if (oldRowOf[i]! < 0 && known.get(ids[i]!)?.length === dim) filled++;
  if (filled === 0 || dim === 0) return prepared;
  const m = prepared.ranks.length + filled;
  const matrix = new Float32Array(m * dim);
  const ranks = new Float32Array(m);
  const rowOf = new Int32Array(ids.length);
  let row = 0;
  let still = 0;
  for (let i = 0; i < ids.length; i++) {
    const old = oldRowOf[i]!;
    const v = old >= 0 ? oldMatrix.subarray(old * dim, old * dim + dim) : known.get(ids[i]!);
    if (v && v.length === dim) {
      matrix.set(v, row * dim);
      ranks[row] = i;
      rowOf[i] = row++;
    } else {
      rowOf[i] = -1;
      still++;
    }
  }
  const notes = prepared.notes.filter((n) => !/ without a usable \d+-d vector kept their server position$/.test(n));
  if (still > 0) notes.push(`${still} candidate(s) without a usable ${dim}-d vector kept their server position`);
  let views: (Float32Array | null)[] | null = null;
  return {
    ids,
    source: prepared.source,
    rowOf,
    matrix,
    ranks,
    notes,
    get vectors() {
      views ??= Array.from(this.rowOf, (r) => (r >= 0 ? matrix.subarray(r * dim, r * dim + dim) : null));
      return views;
    },
  };
}

/** Ids of candidates that came without a usable vector. */
export function idsWithoutVectors(prepared: PreparedCandidates): string[] {
  const out: string[] = [];
  for (let i = 0; i < prepared.ids.length; i++) if (prepared.rowOf[i]! < 0) out.push(prepared.ids[i]!);
  return out;
}
