// The helper's one computation: open each report's sealed seed (bound to this model, round and report id),
// expand it into the report's share, and sum the shares mod 2^32. Reports whose seed does not open are left out
// and named. The helper never answers for fewer than its minimum batch, never for a report already summed in
// another batch, and answers a repeated batch exactly as the first time.
import { addInto } from '../src/shared/secure-aggregation/fixed-point.js';
import { expandSeed, SEED_BYTES } from '../src/shared/secure-aggregation/prg.js';
import { open, reportContext } from '../src/shared/secure-aggregation/seal.js';
import { fromBase64, toBase64 } from '../src/shared/secure-aggregation/webcrypto.js';
import type { BatchStore } from './batch-store.js';
import type { HelperKeyPair } from './keys.js';
import type { AggregateRequest, AggregateResponse } from '../src/shared/secure-aggregation/helper-protocol.js';

/** A refusal the route answers with a 4xx. */
export class BatchRefused extends Error {
  constructor(
    readonly status: 400 | 401 | 409 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BatchRefused';
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

export async function aggregateBatch(req: AggregateRequest, key: HelperKeyPair, store: BatchStore, minBatch: number): Promise<AggregateResponse> {
  const batch = `${req.model}:${req.round}`;
  const ids = req.reports.map((r) => r.id);
  if (new Set(ids).size !== ids.length) throw new BatchRefused(400, 'duplicate_report', 'a report id appears twice in the batch');
  const before = await store.batch(batch);
  if (before) {
    if (!sameSet(before.requested, ids)) throw new BatchRefused(409, 'batch_exists', `batch ${batch} was already summed with other reports; a batch is summed once`);
    return { batch, included: before.included, rejected: before.rejected, share: Buffer.from(before.share).toString('base64') };
  }
  if (ids.length < minBatch) throw new BatchRefused(422, 'batch_too_small', `a batch needs at least ${minBatch} reports; got ${ids.length}`);
  const reused = await store.used(ids);
  if (reused.length > 0) throw new BatchRefused(409, 'report_reused', `${reused.length} report(s) were already summed in another batch (first: ${reused[0]})`);

  const sum = new Uint32Array(req.params);
  const included: string[] = [];
  const rejected: string[] = [];
  for (const r of req.reports) {
    let seed: Uint8Array;
    try {
      seed = await open(fromBase64(r.sealed), key.privateKey, key.publicKey, reportContext(req.model, req.round, r.id));
      if (seed.length !== SEED_BYTES) throw new Error('wrong seed length');
    } catch {
      rejected.push(r.id);
      continue;
    }
    addInto(sum, await expandSeed(seed, req.params));
    seed.fill(0);
    included.push(r.id);
  }
  if (included.length < minBatch) {
    throw new BatchRefused(422, 'batch_too_small', `only ${included.length} of ${ids.length} sealed seeds opened (${minBatch} needed); rejected: ${rejected.slice(0, 5).join(', ')}`);
  }
  const share = new Uint8Array(sum.buffer, sum.byteOffset, sum.byteLength);
  await store.record(batch, ids, { included, rejected, share });
  return { batch, included, rejected, share: toBase64(share) };
}
