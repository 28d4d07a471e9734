// Production mode: with the demo off (SHELF_DEMO's default) the demo catalogue's routes and the demo pages are
// absent while the model registry and the vectors API stay. (With it on, app.test.ts reads the demo catalogue.)
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_TIMEOUT_MS, makeVersion, seededApp, testConfig } from '../testing.js';

describe('SHELF_DEMO off', () => {
  let off: Awaited<ReturnType<typeof seededApp>>;
  beforeAll(async () => {
    off = await seededApp(makeVersion('demo-gate', 1), (dir) => ({ ...testConfig({ model: 'demo-gate', staticDir: path.join(dir, 'dist') }), demo: false }));
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await off?.close();
  });

  it('serves no demo catalogue and no demo page; Shelf itself still answers', async () => {
    for (const url of ['/v1/candidates?list=all', '/v1/categories']) expect((await off.app.inject({ url })).statusCode, url).toBe(404);
    for (const url of ['/', '/index.html', '/lab.html', '/sdk/example.html']) {
      const res = await off.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().message).toMatch(/demo shop, which is off \(set SHELF_DEMO=on/);
    }
    expect((await off.app.inject({ url: '/models/demo-gate/latest.json' })).statusCode).toBe(200);
    expect((await off.app.inject({ url: '/v1/vectors?ids=a' })).json()).toMatchObject({ error: 'unknown_space' });
  });
});
