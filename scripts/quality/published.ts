// Published results quoted from ../shared/data/REFERENCE_RESULTS.md, on the same files and protocols, to sit
// beside the measured rows. Copied by hand; never computed, never edited to flatter.
import type { DatasetName } from '../../trainer/data.js';
import type { ResultRow } from './evaluate.js';

/** A quoted row: the same metric columns as a measured ResultRow, plus where it was published. */
export type PublishedRow = Pick<ResultRow, 'model' | 'hr1' | 'hr5' | 'hr10' | 'ndcg5' | 'ndcg10' | 'mrr'> & {
  dataset: DatasetName;
  protocol: 'sampled-100' | 'sampled-99' | 'all-items';
  source: string;
};

export const PUBLISHED: readonly PublishedRow[] = [
  { dataset: 'games', protocol: 'sampled-100', model: 'SASRec (published)', hr1: null, hr5: null, hr10: 0.741, ndcg5: null, ndcg10: 0.536, mrr: null, source: 'SASRec, ICDM 2018, Table III' },
  { dataset: 'beauty', protocol: 'sampled-99', model: 'SASRec (published)', hr1: 0.187, hr5: 0.3741, hr10: 0.4696, ndcg5: 0.2848, ndcg10: 0.3156, mrr: 0.2852, source: 'S3-Rec, CIKM 2020' },
  { dataset: 'beauty', protocol: 'sampled-99', model: 'S3-Rec (published)', hr1: 0.2192, hr5: 0.4502, hr10: 0.5506, ndcg5: 0.3407, ndcg10: 0.3732, mrr: 0.334, source: 'S3-Rec, CIKM 2020' },
  { dataset: 'sports', protocol: 'sampled-99', model: 'SASRec (published)', hr1: 0.1455, hr5: 0.3466, hr10: 0.4622, ndcg5: 0.2497, ndcg10: 0.2869, mrr: 0.252, source: 'S3-Rec, CIKM 2020' },
  { dataset: 'sports', protocol: 'sampled-99', model: 'S3-Rec (published)', hr1: 0.1841, hr5: 0.4267, hr10: 0.5614, ndcg5: 0.3104, ndcg10: 0.3538, mrr: 0.3071, source: 'S3-Rec, CIKM 2020' },
  { dataset: 'beauty', protocol: 'all-items', model: 'SASRec (published)', hr1: null, hr5: null, hr10: 0.0605, ndcg5: null, ndcg10: 0.0318, mrr: null, source: "S3-Rec authors' all-rank table" },
  { dataset: 'beauty', protocol: 'all-items', model: 'S3-Rec (published)', hr1: null, hr5: null, hr10: 0.0647, ndcg5: null, ndcg10: 0.0327, mrr: null, source: "S3-Rec authors' all-rank table" },
  { dataset: 'beauty', protocol: 'all-items', model: 'ICSRec (published)', hr1: null, hr5: null, hr10: 0.0959, ndcg5: null, ndcg10: 0.0578, mrr: null, source: 'ICSRec released checkpoints' },
  { dataset: 'sports', protocol: 'all-items', model: 'SASRec (published)', hr1: null, hr5: null, hr10: 0.035, ndcg5: null, ndcg10: 0.0192, mrr: null, source: "S3-Rec authors' all-rank table" },
  { dataset: 'sports', protocol: 'all-items', model: 'S3-Rec (published)', hr1: null, hr5: null, hr10: 0.0385, ndcg5: null, ndcg10: 0.0204, mrr: null, source: "S3-Rec authors' all-rank table" },
  { dataset: 'sports', protocol: 'all-items', model: 'ICSRec (published)', hr1: null, hr5: null, hr10: 0.0565, ndcg5: null, ndcg10: 0.0335, mrr: null, source: 'ICSRec released checkpoints' },
];

/** The targets: the SASRec row must be reached; the best published row is the aim. */
export const TARGETS: readonly { dataset: DatasetName; protocol: PublishedRow['protocol']; must: number; aim: number; aimModel: string }[] = [
  { dataset: 'games', protocol: 'sampled-100', must: 0.536, aim: 0.56, aimModel: '≥ .56' },
  { dataset: 'beauty', protocol: 'sampled-99', must: 0.3156, aim: 0.3732, aimModel: 'S3-Rec' },
  { dataset: 'sports', protocol: 'sampled-99', must: 0.2869, aim: 0.3538, aimModel: 'S3-Rec' },
  { dataset: 'beauty', protocol: 'all-items', must: 0.0318, aim: 0.0578, aimModel: 'ICSRec' },
  { dataset: 'sports', protocol: 'all-items', must: 0.0192, aim: 0.0335, aimModel: 'ICSRec' },
];
