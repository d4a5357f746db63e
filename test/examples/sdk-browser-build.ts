// The SDK's browser build (packages/sdk/dist/atrium.js), which every room server serves at
// /atrium.js. `npm start` makes it; `npm test` only runs tsc, so a test that loads /atrium.js makes
// it first, as `npm run build:browser -w @atrium/sdk` would. It is written beside the target and
// renamed over it, so a server reading the file meanwhile (another test file) never sees half of one.

import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const SDK = fileURLToPath(new URL('../../packages/sdk/', import.meta.url));

export async function buildSdkForBrowsers(): Promise<void> {
  const dist = join(SDK, 'dist');
  await mkdir(dist, { recursive: true });
  const outDir = await mkdtemp(join(dist, '.atrium-js-'));
  try {
    await build({
      root: SDK,
      configFile: join(SDK, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: false, sourcemap: false },
    });
    await rename(join(outDir, 'atrium.js'), join(dist, 'atrium.js'));
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
