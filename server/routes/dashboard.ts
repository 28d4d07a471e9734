// Read-only data for the operator dashboard (dashboard.html), behind the admin bearer token:
//   GET  /v1/admin/dashboard        versions with lineage, the published rounds (participants, examples, ε),
//                                   a histogram of accepted updates' norms per round, and quality per version
//   POST /v1/admin/quality          records a quality figure for a version (the shopper simulation, or an
//                                   operator's own evaluation set); kept in <dataDir>/quality.json
// Rounds are read from the published versions' manifests (lineage and privacy); update norms are the ones the upload
// route measured on each accepted POST /v1/updates (recordNorm: the norm of the int8 values the server stored) and kept only as
// counts per round and norm bin (NORM_BINS bins from 0 to 1.1 × clip) in <dataDir>/update-norms.json: no time, no
// value of any single update. Must never change a model, a round or an update, and never record anything from an
// update the server rejected.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBodySchema } from '../../src/shared/protocol.js';
import { HttpError } from '../http-errors.js';
import type { Store } from '../storage/store.js';
import { adminAuth } from '../admin-auth.js';

export const NORM_BINS = 22;
/** Rounds whose norm histograms are kept (the newest). */
export const MAX_NORM_ROUNDS = 500;
export const MAX_QUALITY = 5_000;

const QualityPointSchema = z.object({
  version: z.int().min(1),
  /** e.g. 'hit@5-preferred-category' */
  metric: z.string().min(1).max(64),
  value: z.number().finite(),
  /** Who measured it: 'simulation', 'operator', … */
  source: z.string().min(1).max(64).default('operator'),
  /** Examples or sessions the figure is over. */
  n: z.int().min(0).optional(),
});
const QualityRowSchema = QualityPointSchema.extend({ model: z.string(), at: z.string() });
type QualityRow = z.infer<typeof QualityRowSchema>;
const NormRowSchema = z.object({ round: z.int(), counts: z.array(z.int().min(0)).length(NORM_BINS) });
type NormRow = z.infer<typeof NormRowSchema>;
const NormBinSchema = z.object({ round: z.int(), lo: z.number(), hi: z.number(), count: z.int().min(1) });

export const DashboardSchema = z.object({
  model: z.string(),
  current: z.int(),
  clip: z.number().nullable(),
  versions: z.array(
    z.object({
      version: z.int(),
      parent: z.int().nullable(),
      current: z.boolean(),
      kind: z.string(),
      createdAt: z.string(),
      round: z.int().nullable(),
      updates: z.int().nullable(),
      examples: z.int().nullable(),
      epsilon: z.number().nullable(),
      optimizer: z.string().nullable(),
    }),
  ),
  rounds: z.array(z.object({ round: z.int(), version: z.int(), baseVersion: z.int().nullable(), participants: z.int().nullable(), examples: z.int().nullable(), epsilon: z.number().nullable(), at: z.string() })),
  /** Accepted updates per round and norm bin (bins with no update left out). */
  norms: z.array(NormBinSchema),
  quality: z.array(QualityRowSchema),
});

function readJsonArray<T>(file: string | null, schema: z.ZodType<T>): T[] {
  if (!file || !existsSync(file)) return [];
  try {
    const parsed = z.array(schema).safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

export interface DashboardOptions {
  readonly store: Store;
  readonly token: string;
  readonly model: string;
  readonly clip?: number;
  /** Where quality.json and update-norms.json live; null keeps them in memory only (tests). */
  readonly dataDir: string | null;
}

/**
 * Registers the dashboard routes.
 * @returns recordNorm, for the upload route to call with each accepted update's round and norm
 */
export function registerDashboardRoutes(app: FastifyInstance, o: DashboardOptions): { recordNorm(round: number, norm: number): void } {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const auth = adminAuth(app, o.token);
  const qualityFile = o.dataDir ? path.join(o.dataDir, 'quality.json') : null;
  const normsFile = o.dataDir ? path.join(o.dataDir, 'update-norms.json') : null;
  const quality: QualityRow[] = readJsonArray(qualityFile, QualityRowSchema);
  const norms: NormRow[] = readJsonArray(normsFile, NormRowSchema);
  const binWidth = (1.1 * (o.clip ?? 1)) / NORM_BINS;
  const save = (file: string | null, rows: unknown[]) => {
    if (file) writeFileSync(file, JSON.stringify(rows));
  };
  // The norm counts are written at most once a second (and on close), not on every accepted update: a
  // synchronous file write per upload cost ~10% of ingestion time. A crash loses at most a second of counts,
  // which only feed the histogram.
  let normsTimer: ReturnType<typeof setTimeout> | null = null;
  const saveNormsSoon = () => {
    if (normsTimer || !normsFile) return;
    normsTimer = setTimeout(() => {
      normsTimer = null;
      save(normsFile, norms);
    }, 1_000);
    normsTimer.unref();
  };
  app.addHook('onClose', async () => {
    if (!normsTimer) return;
    clearTimeout(normsTimer);
    normsTimer = null;
    save(normsFile, norms);
  });

  const recordNorm = (round: number, norm: number) => {
    const bin = Math.min(NORM_BINS - 1, Math.floor(norm / binWidth));
    let row = norms.find((x) => x.round === round);
    if (!row) {
      row = { round, counts: new Array<number>(NORM_BINS).fill(0) };
      norms.push(row);
      if (norms.length > MAX_NORM_ROUNDS) norms.splice(0, norms.length - MAX_NORM_ROUNDS);
    }
    row.counts[bin]! += 1;
    saveNormsSoon();
  };

  r.get(
    '/v1/admin/dashboard',
    { onRequest: auth, schema: { querystring: z.object({ model: z.string().max(200).optional() }), response: { 200: DashboardSchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 429: ErrorBodySchema } } },
    async (request, reply) => {
      const model = request.query.model ?? o.model;
      const rows = await o.store.versions(model);
      const cur = rows.find((v) => v.current);
      if (!cur) throw new HttpError(404, 'unknown_model', `no model named '${model}'`);
      const versions = rows.map(({ manifest: m, current }) => ({
        version: m.version,
        parent: m.parent,
        current,
        kind: m.lineage.kind,
        createdAt: m.createdAt,
        round: m.lineage.round ?? null,
        updates: m.lineage.updates ?? null,
        examples: m.lineage.examples ?? null,
        epsilon: m.privacy?.epsilon ?? null,
        optimizer: m.lineage.optimizer ?? null,
      }));
      // Secure aggregates publish no counts; the operator's own database knows how many reports each round summed.
      const sizes = new Map((await o.store.roundSizes(model)).map((r) => [r.round, r.updates]));
      const rounds = versions
        .filter((v) => v.kind === 'aggregate' && v.round !== null)
        .map((v) => ({ round: v.round!, version: v.version, baseVersion: v.parent, participants: v.updates ?? sizes.get(v.round!) ?? null, examples: v.examples, epsilon: v.epsilon, at: v.createdAt }))
        .sort((a, b) => a.round - b.round);
      const clip = cur.manifest.privacy?.clip ?? o.clip ?? null;
      const normBins = norms.flatMap((r) => r.counts.flatMap((count, i) => (count > 0 ? [{ round: r.round, lo: i * binWidth, hi: (i + 1) * binWidth, count }] : [])));
      return reply.header('cache-control', 'no-store').send({ model, current: cur.manifest.version, clip, versions, rounds, norms: normBins, quality: quality.filter((q) => q.model === model) });
    },
  );

  r.post(
    '/v1/admin/quality',
    {
      onRequest: auth,
      bodyLimit: 64 * 1024,
      schema: {
        querystring: z.object({ model: z.string().max(200).optional() }),
        body: z.object({ points: z.array(QualityPointSchema).min(1).max(500) }),
        response: { 200: z.object({ stored: z.int() }), 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 429: ErrorBodySchema },
      },
    },
    async (request) => {
      const model = request.query.model ?? o.model;
      const at = new Date().toISOString();
      for (const p of request.body.points) quality.push({ ...p, model, at });
      if (quality.length > MAX_QUALITY) quality.splice(0, quality.length - MAX_QUALITY);
      save(qualityFile, quality);
      return { stored: request.body.points.length };
    },
  );
  return { recordNorm };
}
