import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'

// The console's web app: Preact + signals + uPlot, bundled into dist/web (served by the daemon
// under /console/). No CDN, no inline scripts or styles: the CSP is script-src/style-src 'self'.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: 'public',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
  },
  logLevel: 'warn',
})
