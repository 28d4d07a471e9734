import { test } from '@playwright/test';
import { rerankFollowsVisitor } from './rerank-flow.js';

test('the same rerank flow with the backend forced to WebGPU (software adapter)', async ({ page, baseURL }) => {
  await rerankFollowsVisitor(page, baseURL!, { backends: 'webgpu', allowSoftwareGpu: '1', timeoutMs: '60000' }, 'webgpu');
});
