// Server configuration: defaults, overrides, and startup errors that name the bad variable.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_FEDERATED, DEFAULT_MIN_UPDATES, databaseDir, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults every variable', () => {
    const c = loadConfig({}, '/srv/shelf');
    expect(c).toEqual({
      port: 8787,
      host: '127.0.0.1',
      dataDir: '/srv/shelf/.shelf-data',
      minUpdates: DEFAULT_MIN_UPDATES,
      federated: DEFAULT_FEDERATED,
      ticketSecret: null,
      adminToken: null,
      staticDir: '/srv/shelf/dist',
      seedDir: '/srv/shelf/public/models',
      model: 'shelf-demo',
      logLevel: 'info',
      rateLimit: { perAddressPerMinute: 600, perTicket: 3, exemptLoopback: true },
      siteKeys: [],
      databaseUrl: null,
      secure: null,
      rerank: { enabled: false, perMinute: 60 },
      adminOrigins: [],
      demo: false,
      adminBodyLimit: 256 * 1024 * 1024,
    });
    expect(databaseDir(c)).toBe(path.join('/srv/shelf/.shelf-data', 'db'));
  });

  it('reads overrides and treats empty values as unset', () => {
    const c = loadConfig(
      { PORT: '0', HOST: '0.0.0.0', SHELF_DATA_DIR: '/data', SHELF_MIN_UPDATES: '50', SHELF_MODEL: 'other-model', SHELF_LOG_LEVEL: 'debug', SHELF_STATIC_DIR: '' },
      '/srv',
    );
    expect(c.port).toBe(0);
    expect(c.host).toBe('0.0.0.0');
    expect(c.dataDir).toBe('/data');
    expect(c.minUpdates).toBe(50);
    expect(c.model).toBe('other-model');
    expect(loadConfig({ SHELF_DEMO: 'on', SHELF_ADMIN_BODY_LIMIT: '2048' }).demo).toBe(true);
    expect(loadConfig({ SHELF_ADMIN_BODY_LIMIT: '2048' }).adminBodyLimit).toBe(2048);
    expect(() => loadConfig({ SHELF_DEMO: 'yes' })).toThrow(/SHELF_DEMO="yes"/);
    expect(c.logLevel).toBe('debug');
    expect(c.staticDir).toBe('/srv/dist');
  });

  it('reads the re-rank switch and the admin API origins', () => {
    const c = loadConfig({ SHELF_RERANK: 'on', SHELF_RERANK_PER_MINUTE: '5', SHELF_ADMIN_ORIGINS: 'https://ops.example.com,http://localhost:3000' });
    expect(c.rerank).toEqual({ enabled: true, perMinute: 5 });
    expect(c.adminOrigins).toEqual(['https://ops.example.com', 'http://localhost:3000']);
    expect(() => loadConfig({ SHELF_ADMIN_ORIGINS: '*' })).toThrow(/SHELF_ADMIN_ORIGINS="\*": expected comma-separated origins/);
    expect(() => loadConfig({ SHELF_ADMIN_ORIGINS: 'https://ops.example.com/path' })).toThrow(/SHELF_ADMIN_ORIGINS/);
    expect(() => loadConfig({ SHELF_RERANK: 'yes' })).toThrow(/SHELF_RERANK="yes"/);
  });

  it('names every bad variable, with its value and what was expected', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', SHELF_MIN_UPDATES: '0', SHELF_MODEL: 'Bad Name', SHELF_LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT="eighty": expected a whole number from 0 to 65535/);
    expect(message).toMatch(/SHELF_MIN_UPDATES="0": expected at least 1/);
    expect(message).toMatch(/SHELF_MODEL="Bad Name"/);
    expect(message).toMatch(/SHELF_LOG_LEVEL="loud"/);
  });

  it('reads the federated settings and secrets, and rejects bad ones', () => {
    const c = loadConfig({
      SHELF_DP_CLIP: '0.5', SHELF_DP_NOISE_MULTIPLIER: '0', SHELF_DP_SAMPLE_RATE: '1e-3', SHELF_DP_DELTA: '1e-7',
      SHELF_DP_EPSILON_BUDGET: '4', SHELF_SERVER_OPTIMIZER: 'fedadam', SHELF_SERVER_LR: '0.01',
      SHELF_ADMIN_TOKEN: 'a-long-enough-token', SHELF_TICKET_SECRET: 'x'.repeat(32),
    });
    expect(c.federated).toEqual({ clip: 0.5, noiseMultiplier: 0, sampleRate: 1e-3, delta: 1e-7, epsilonBudget: 4, optimizer: 'fedadam', serverLearningRate: 0.01, chunk: 256, robust: { rule: 'mean', trim: 0.1 } });
    expect(c.adminToken).toBe('a-long-enough-token');
    expect(() => loadConfig({ SHELF_DP_CLIP: '0' })).toThrow(/SHELF_DP_CLIP="0": expected more than 0/);
    expect(() => loadConfig({ SHELF_DP_SAMPLE_RATE: '2' })).toThrow(/SHELF_DP_SAMPLE_RATE="2": expected at most 1/);
    expect(() => loadConfig({ SHELF_SERVER_OPTIMIZER: 'sgd' })).toThrow(/SHELF_SERVER_OPTIMIZER/);
    expect(() => loadConfig({ SHELF_ADMIN_TOKEN: 'short' })).toThrow(/SHELF_ADMIN_TOKEN="short": expected at least 16 characters/);
  });

  it('rejects an out-of-range port', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT="70000": expected at most 65535/);
  });
});
