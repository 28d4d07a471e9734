// Builds the demo page and the engine worker (its own chunk: tfjs lives only there). The published SDK
// (dist/sdk/) is built after this by scripts/build-sdk.ts; `npm run build` runs both.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    sourcemap: true,
    chunkSizeWarningLimit: 2500,
    // Keep dist/sdk/ when only the demo is rebuilt; `npm run build` passes --emptyOutDir for a clean build.
    emptyOutDir: false,
  },
  worker: {
    format: 'es',
  },
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:8787',
      '/models': 'http://127.0.0.1:8787',
    },
  },
});
