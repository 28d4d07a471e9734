// The worker ↔ server wire format, declared once as zod schemas and shared by both sides.
// Must never import DOM, Worker or Node APIs. Bump PROTOCOL_VERSION on any incompatible change.
import './zod-no-eval.js';
import { z } from 'zod';

export const PROTOCOL_VERSION = 1 as const;

export const ModelNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'model name: lowercase letters, digits, dashes');

/** Hyper-parameters of the on-device encoder; the weight shapes follow from them. */
export const ModelConfigSchema = z.object({
  /** Dimension of the item vectors the shop's server sends with its candidates. */
  itemDim: z.int().min(1).max(512),
  /** Width of the transformer. */
  hidden: z.int().min(1).max(512),
  /** Number of recent events the encoder looks at. */
  maxLen: z.int().min(1).max(256),
  /** Inner width of the feed-forward layer. */
  ffn: z.int().min(1).max(2048),
  /** Number of sequence event types (rows of the type embedding). */
  eventTypes: z.int().min(1).max(32),
  /** Number of self-attention blocks (optional; absent means 1, the layout of the first models). */
  blocks: z.int().min(1).max(8).optional(),
});
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export const WeightSpecSchema = z.object({
  name: z.string().min(1).max(64),
  shape: z.array(z.int().min(1)).max(4),
});
export type WeightSpec = z.infer<typeof WeightSpecSchema>;

export const ModelFileSchema = z.object({
  path: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  bytes: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** A published model version: `models/<name>/<version>/manifest.json`. */
export const ManifestSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  name: ModelNameSchema,
  version: z.int().min(1),
  parent: z.int().min(1).nullable(),
  createdAt: z.string(),
  /** Which item-vector featurisation the model expects (candidates must come from the same one). */
  vectorSpace: z.string().min(1).max(64),
  config: ModelConfigSchema,
  /** Weights in the order they are concatenated (float32, little-endian) in `weights.bin`. */
  weights: z.array(WeightSpecSchema).min(1),
  files: z.array(ModelFileSchema).min(1),
  /** How this version came to be. */
  lineage: z.object({
    /** seed: shipped with the server; aggregate: federated round; import: published with its vector space by the admin API. */
    kind: z.enum(['seed', 'aggregate', 'import']),
    /** Updates folded in (absent for secure aggregates: how many reports were summed is not published). */
    updates: z.int().min(0).optional(),
    /** Sum of the updates' bucketed example counts (seed: the seed trainer's examples; absent for secure aggregates). */
    examples: z.int().min(0).optional(),
    /** The round whose cohort built this version (aggregates only). */
    round: z.int().min(1).optional(),
    /** fedavg | fedadam (aggregates only). */
    optimizer: z.string().max(32).optional(),
  }),
  /**
   * Differential privacy spent by the whole model so far, this version included (aggregates only): every
   * published DP round counts, also those of versions rolled back since. epsilon is null without noise.
   */
  privacy: z
    .object({
      epsilon: z.number().min(0).nullable(),
      delta: z.number().gt(0).lt(1),
      /** Published rounds composed into epsilon. */
      rounds: z.int().min(0),
      noiseMultiplier: z.number().min(0),
      clip: z.number().gt(0),
      sampleRate: z.number().gt(0).max(1),
      /**
       * central-gaussian: the server added Gaussian noise to the sum of updates it saw; distributed-skellam: each
       * device added its share of Skellam noise and two aggregators summed secret shares (absent: central-gaussian).
       */
      mechanism: z.enum(['central-gaussian', 'distributed-skellam']).optional(),
      /** server-assumed: q is the operator's estimate; device-coin: each device joins a round with probability q by its own coin. */
      sampling: z.enum(['server-assumed', 'device-coin']).optional(),
    })
    .optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** Media type of an update body (the binary layout of src/shared/federated/wire.ts). */
export const UPDATE_MEDIA_TYPE = 'application/octet-stream';

/** What a client needs to take part in the current round: `POST /v1/rounds/current/ticket`. */
export const TicketResponseSchema = z.object({
  model: ModelNameSchema,
  round: z.int().min(1),
  /** The version updates of this round must be computed against. */
  baseVersion: z.int().min(1),
  /** Single-use, HMAC-signed; valid for this round only. */
  ticket: z.string().min(1).max(256),
  /** L2 bound the update must be clipped to. */
  clip: z.number().gt(0),
  /** Values per int8 scale to use (the server accepts 16..65535). */
  chunk: z.int().min(16).max(65535),
  /**
   * Present when the server runs secure aggregation: the device must send a report (src/shared/secure-aggregation),
   * never a plain update, and joins the round only if its own coin with probability `sampleRate` says so.
   */
  secure: z
    .object({
      keyId: z.int().min(0).max(0xffffffff),
      publicKey: z.string().min(80).max(100),
      bits: z.int().min(1).max(30),
      cohort: z.int().min(1),
      noiseMultiplier: z.number().min(0),
      sampleRate: z.number().gt(0).max(1),
    })
    .optional(),
});
export type TicketResponse = z.infer<typeof TicketResponseSchema>;

/** An accepted update. Nothing else: how many updates a round holds, or whether this one closed it, is not said. */
export const UpdateAcceptedSchema = z.object({
  accepted: z.literal(true),
});
export type UpdateAccepted = z.infer<typeof UpdateAcceptedSchema>;

/** Every 4xx/5xx body. */
export const ErrorBodySchema = z.object({
  error: z.string(),
  message: z.string(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** One product in the demo shop's candidate list (the shop's role, not Shelf's). */
export const CandidateItemSchema = z.object({
  id: z.string(),
  title: z.string(),
  brand: z.string().nullable(),
  category: z.string(),
  price: z.number(),
  rating: z.number(),
  /** The shop's own relevance score; higher is better. */
  score: z.number(),
  vector: z.array(z.number()),
});
export type CandidateItem = z.infer<typeof CandidateItemSchema>;

export const CandidatesResponseSchema = z.object({
  listId: z.string(),
  vectorSpace: z.string(),
  items: z.array(CandidateItemSchema),
});
export type CandidatesResponse = z.infer<typeof CandidatesResponseSchema>;

/** URL paths, relative to the server's base URL. The same layout works from static hosting. */
export const paths = {
  latest: (name: string) => `models/${name}/latest.json`,
  file: (name: string, version: number, file: string) => `models/${name}/${version}/${file}`,
  updates: () => 'v1/updates',
  ticket: () => 'v1/rounds/current/ticket',
  candidates: () => 'v1/candidates',
} as const;

/** The update wire format is float32 little-endian; every platform Shelf targets is little-endian. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
