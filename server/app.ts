// Assembles the fastify app from a config and a store: zod validation, error bodies, and every route.
// Used by main.ts and by tests through `app.inject()`. Must never open or close the store, listen, or read
// the environment: the caller owns those.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { parameterCount } from '../src/shared/model/weights.js';
import type { ServerConfig } from './config.js';
import { registerCors, type CorsOptions } from './cors.js';
import { DEFAULT_RATE_LIMITS, registerRateLimits } from './rate-limits.js';
import { registerSiteKeys } from './site-keys.js';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { loadDemoCatalog, type Catalog } from './demo/catalog.js';
import { ticketSigner, type TicketSigner } from './federated/tickets.js';
import { frameworkErrors, installErrorHandling } from './http-errors.js';
import { checkHeaders, httpServerOptions } from './http-limits.js';
import { registerOpenApi } from './openapi.js';
import { makeAggregator } from './publish.js';
import { registerReadiness } from './readiness.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerPublishRoutes } from './routes/admin-publish.js';
import { registerVectorRoutes } from './routes/vectors.js';
import { VectorIndex } from './vector-index.js';
import { hideDemoPages } from './demo/demo-gate.js';
import { DEFAULT_ADMIN_BODY_LIMIT } from './config.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerModelRoutes } from './routes/models.js';
import { registerRerankRoute } from './routes/rerank.js';
import { registerRoundRoutes } from './routes/rounds.js';
import { registerShopRoutes } from './routes/shop.js';
import { registerSiteRoutes } from './routes/site.js';
import { registerUpdateRoutes, updateBodyLimit } from './routes/updates.js';
import type { Aggregator, Store } from './storage/store.js';
import { helperClient } from './secure-aggregation/helper-client.js';
import { SecureRounds } from './secure-aggregation/secure-rounds.js';

export interface AppOptions {
  /** pino logger to use; omitted: no logging (tests). */
  readonly logger?: FastifyBaseLogger;
  /** Defaults to the server/demo catalogue. */
  readonly catalog?: Catalog;
  /** Defaults to DP-FedAvg with the config's federated settings (makeAggregator). */
  readonly aggregate?: Aggregator;
  /** Defaults to a signer keyed by config.ticketSecret. */
  readonly tickets?: TicketSigner;
  /** CORS for the script-tag SDK (shop pages on other origins); default: any origin. */
  readonly cors?: CorsOptions;
  /** A @fastify/rate-limit store shared by replicas; default: counts in this process's memory. */
  readonly rateLimitStore?: FastifyRateLimitStoreCtor;
  /** Secure aggregation; default: built from config.secure (null there: central DP, no helper). */
  readonly secure?: SecureRounds | null;
}

/** Body limit of routes that do not set one. */
export const DEFAULT_BODY_LIMIT = 16 * 1024;

/** The largest parameter count an update route is sized for when the model has no version yet. */
const FALLBACK_PARAMS = 60_000;

/**
 * Builds the app. The model should already be seeded: the upload body limit follows its parameter count.
 * @example
 *   const app = await buildApp(loadConfig(), store);
 *   const res = await app.inject({ method: 'GET', url: '/healthz' });
 */
export async function buildApp(
  config: Pick<ServerConfig, 'model' | 'minUpdates' | 'staticDir' | 'federated' | 'ticketSecret' | 'adminToken'> & Partial<Pick<ServerConfig, 'dataDir' | 'rateLimit' | 'siteKeys' | 'secure' | 'rerank' | 'adminOrigins' | 'demo' | 'adminBodyLimit'>>,
  store: Store,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  // Routes that take a body set their own limit; everything else gets a small one (fastify's default is 1 MiB).
  const bodyLimit = DEFAULT_BODY_LIMIT;
  const base = { bodyLimit, frameworkErrors, ...httpServerOptions() };
  const app: FastifyInstance = options.logger ? Fastify({ loggerInstance: options.logger, ...base }) : Fastify({ logger: false, ...base });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  checkHeaders(app);
  await registerOpenApi(app);
  await registerCors(app, { ...options.cors, ...(config.adminOrigins ? { adminOrigins: config.adminOrigins } : {}) });
  const rateLimit = config.rateLimit ?? DEFAULT_RATE_LIMITS;
  await registerRateLimits(app, rateLimit, options.rateLimitStore);
  registerSiteKeys(app, config.siteKeys ?? []);
  registerReadiness(app, { store, model: config.model });

  const manifest = await store.current(config.model);
  const params = manifest ? parameterCount(manifest.weights) : FALLBACK_PARAMS;
  const tickets = options.tickets ?? ticketSigner(config.ticketSecret);
  const secure =
    options.secure !== undefined
      ? options.secure
      : config.secure
        ? new SecureRounds({ store, model: config.model, federated: config.federated, cohort: config.minUpdates, helper: helperClient(config.secure.helperUrl, config.secure.helperToken), log: app.log })
        : null;
  if (secure) app.addHook('onClose', async () => secure.close());

  const dashboard = config.adminToken
    ? registerDashboardRoutes(app, { store, token: config.adminToken, model: config.model, clip: config.federated.clip, dataDir: config.dataDir ?? null })
    : null;
  registerModelRoutes(app, store);
  registerRerankRoute(app, { store, model: config.model, enabled: config.rerank?.enabled ?? false, perMinute: config.rerank?.perMinute ?? 60, exemptLoopback: rateLimit.exemptLoopback });
  registerRoundRoutes(app, { store, model: config.model, tickets, federated: config.federated, secure });
  registerUpdateRoutes(
    app,
    {
      store,
      model: config.model,
      minUpdates: config.minUpdates,
      aggregate: options.aggregate ?? makeAggregator(config.federated, config.minUpdates),
      tickets,
      federated: config.federated,
      secure,
      ...(dashboard ? { onAccepted: dashboard.recordNorm } : {}),
    },
    updateBodyLimit(params, secure !== null),
  );
  if (config.adminToken) registerAdminRoutes(app, { store, token: config.adminToken });
  const vectorIndex = new VectorIndex(store);
  // A publish makes its space current: load it now, so the first page after it need not wait.
  const published = () => (vectorIndex.invalidate(), vectorIndex.warm(config.model));
  if (config.adminToken) registerPublishRoutes(app, { store, token: config.adminToken, bodyLimit: config.adminBodyLimit ?? DEFAULT_ADMIN_BODY_LIMIT, onChange: published });
  registerVectorRoutes(app, { store, model: config.model, index: vectorIndex });
  // The demo shop (its catalogue API and pages) only when asked for: SHELF_DEMO=on (`npm start`, the e2e server).
  if (config.demo ?? false) registerShopRoutes(app, options.catalog ?? loadDemoCatalog());
  else hideDemoPages(app);
  await registerSiteRoutes(app, { staticDir: config.staticDir, store, model: config.model });
  await app.ready();
  vectorIndex.warm(config.model);
  return app;
}
