// The browser build: one classic script (IIFE) that puts every export under the global `Atrium`
// and `ZegoExpressEngine` beside it, as the ZEGO Express Web SDK's script does, so a page needs
// no bundler. The package's ESM (dist/index.js) comes from tsc; this only adds dist/atrium.js.

import { defineConfig } from 'vite';

export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist',
    // tsc writes the rest of dist/: keep it.
    emptyOutDir: false,
    target: 'es2020',
    sourcemap: true,
    lib: {
      entry: 'src/index.ts',
      formats: ['iife'],
      name: 'Atrium',
      fileName: () => 'atrium.js',
    },
    rolldownOptions: {
      output: { footer: 'globalThis.ZegoExpressEngine = Atrium.ZegoExpressEngine;' },
    },
  },
});
