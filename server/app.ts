// Assembles the fastify app from a config and a store: zod validation, error bodies, and every route.
// Used by main.ts and by tests through `app.inject()`. Must never open or close the store, listen, or read
// the environment: the caller owns those.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { MAX_UPDATE_PARAMS } from '../src/shared/protocol.js';
import { parameterCount } from '../src/shared/model/weights.js';
import type { ServerConfig } from './config.js';
import { registerCors, type CorsOptions } from './cors.js';
import { loadDemoCatalog, type Catalog } from './demo/catalog.js';
import { installErrorHandling } from './http-errors.js';
import { aggregateNextVersion } from './publish.js';
import { registerModelRoutes } from './routes/models.js';
import { registerShopRoutes } from './routes/shop.js';
import { registerSiteRoutes } from './routes/site.js';
import { registerUpdateRoutes } from './routes/updates.js';
import type { Aggregator, Store } from './storage/store.js';
import { updateBodyLimit } from './weights-codec.js';

export interface AppOptions {
  /** pino logger to use; omitted: no logging (tests). */
  readonly logger?: FastifyBaseLogger;
  /** Defaults to the server/demo catalogue. */
  readonly catalog?: Catalog;
  /** Defaults to federated averaging (aggregateNextVersion). */
  readonly aggregate?: Aggregator;
  /** CORS for the script-tag SDK (shop pages on other origins); default: any origin. */
  readonly cors?: CorsOptions;
}

/**
 * Builds the app. The model should already be seeded: the upload body limit follows its parameter count
 * (without a version yet, the protocol's maximum is used).
 * @example
 *   const app = await buildApp(loadConfig(), store);
 *   const res = await app.inject({ method: 'GET', url: '/healthz' });
 */
export async function buildApp(
  config: Pick<ServerConfig, 'model' | 'minUpdates' | 'staticDir'>,
  store: Store,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const app: FastifyInstance = options.logger ? Fastify({ loggerInstance: options.logger }) : Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  await registerCors(app, options.cors);

  const manifest = await store.current(config.model);
  const params = manifest ? parameterCount(manifest.weights) : MAX_UPDATE_PARAMS;

  registerModelRoutes(app, store);
  registerUpdateRoutes(app, {
    store,
    minUpdates: config.minUpdates,
    aggregate: options.aggregate ?? aggregateNextVersion,
    bodyLimit: updateBodyLimit(params),
  });
  registerShopRoutes(app, options.catalog ?? loadDemoCatalog());
  await registerSiteRoutes(app, { staticDir: config.staticDir, store, model: config.model });
  await app.ready();
  return app;
}
