import { test } from '@playwright/test';
import { rerankFollowsVisitor } from './rerank-flow.js';

test('events go to IndexedDB, the next rerank follows them, browser = Node scores (wasm)', async ({ page, baseURL }) => {
  await rerankFollowsVisitor(page, baseURL!, {}, 'wasm');
});
