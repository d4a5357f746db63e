import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const source = (pkg: string) => fileURLToPath(new URL(`../../packages/${pkg}/src/index.ts`, import.meta.url));

/** The page runs in browsers only: a Node module reaching the bundle is a bug in an import chain, so fail loudly. */
function noNodeModules(): Plugin {
  return {
    name: 'atrium-no-node-modules',
    enforce: 'pre',
    resolveId(id, importer) {
      if (isBuiltin(id)) this.error(`Node module "${id}" imported by ${importer ?? 'the page'}`);
      return null;
    },
    load(id) {
      // The SDK's package.json maps `ws` to false for browsers; the real package must never load.
      if (/[\\/]node_modules[\\/]ws[\\/]/.test(id))
        this.error(`the Node 'ws' package reached the bundle: ${id}`);
      return null;
    },
  };
}

// `npm run dev` proxies the server's endpoints, so the page's own origin works as in production.
const server = process.env['ATRIUM_SERVER'] ?? 'http://127.0.0.1:8800';

export default defineConfig({
  base: './',
  plugins: [noNodeModules()],
  resolve: {
    // Build from the workspace sources so the page never needs the packages' dist.
    alias: { '@atrium/sdk': source('sdk'), '@atrium/protocol': source('protocol') },
  },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: {
      '/ws': { target: server.replace(/^http/, 'ws'), ws: true },
      '/dev': server,
    },
  },
});
