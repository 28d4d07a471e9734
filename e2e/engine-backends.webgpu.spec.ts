// Backend choice with a (software) WebGPU adapter present, and a lost WebGPU device mid-session.
import { expect, test } from '@playwright/test';
import { hook, openEngine, rerank, status, track } from './engine-helpers.js';

test('a software WebGPU adapter is not chosen over wasm by default, and status says why', async ({ page }) => {
  await openEngine(page);
  const s = await status(page);
  expect(s.backend).toBe('wasm');
  expect(JSON.stringify(s.skippedBackends)).toMatch(/"webgpu","reason":"software adapter/);
  expect(s.backendReason).toMatch(/after webgpu, webgl/);
});

test('a lost WebGPU device moves the engine to the next backend without losing the call', async ({ page }) => {
  await openEngine(page, { backends: 'webgpu,wasm', allowSoftwareGpu: '1', timeoutMs: '60000' });
  expect((await status(page)).backend).toBe('webgpu');
  await track(page, 3);
  expect(await rerank(page, { timeoutMs: 60_000 })).toMatchObject({ source: 'model', backend: 'webgpu' });
  expect(await hook(page, 'loseDevice')).toBe(true);
  const after = await rerank(page, { timeoutMs: 60_000 });
  expect(after).toMatchObject({ source: 'model', backend: 'wasm' });
  const s = await status(page);
  expect(s.backend).toBe('wasm');
  expect(s.skippedBackends.some((b) => b.backend === 'webgpu' && /lost|fail/i.test(b.reason))).toBe(true);
});
