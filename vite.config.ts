// Builds the demo site: the storefront (index.html, Shelf through its script-tag snippet only), the lab page
// (lab.html: the shop's order beside Shelf's, through the lower-level facade, used by the browser tests) and
// the operator dashboard (dashboard.html), plus the lab's engine worker (its own chunk: tfjs lives only there).
// The published SDK (dist/sdk/, which the storefront loads from /sdk/) is built after this by
// scripts/build-sdk.ts; `npm run build` runs both.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { buildSnippetTag } from './src/sdk/snippet.js';

/** Replaces `<!--shelf-snippet-->` with the snippet a shop pastes (loader from Shelf's server at /sdk/). */
function shelfSnippet(): Plugin {
  return {
    name: 'shelf-snippet',
    transformIndexHtml: (html) => html.replace('<!--shelf-snippet-->', buildSnippetTag({ loaderUrl: '/sdk/shelf-loader.js' })),
  };
}

const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export default defineConfig({
  plugins: [shelfSnippet()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    sourcemap: true,
    chunkSizeWarningLimit: 2500,
    // Keep dist/sdk/ when only the demo is rebuilt; `npm run build` passes --emptyOutDir for a clean build.
    emptyOutDir: false,
    rollupOptions: {
      input: { index: page('index.html'), lab: page('lab.html'), dashboard: page('dashboard.html') },
    },
  },
  worker: {
    format: 'es',
  },
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:8787',
      '/models': 'http://127.0.0.1:8787',
      '/sdk': 'http://127.0.0.1:8787',
    },
  },
});
