import { defineConfig } from 'vite';

/**
 * The console is served by every node under `/console/` (packages/server/src/http/console.ts):
 * hashed asset names, so the server can cache them forever and `index.html` not at all.
 */
export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, assetsInlineLimit: 0 },
});
