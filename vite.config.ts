// Builds the demo page and the engine worker (its own chunk: tfjs lives only there).
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    sourcemap: true,
    chunkSizeWarningLimit: 2500,
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
