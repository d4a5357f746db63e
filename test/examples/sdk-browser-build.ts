// The SDK's browser build (packages/sdk/dist/atrium.js), which every room server serves at
// /atrium.js. `npm start` makes it; `npm test` only runs tsc, so a test that loads /atrium.js makes
// it first, as `npm run build:browser -w @atrium/sdk` would. Built outside the repository, then
// written beside the target and renamed over it: a server reading the file meanwhile (another test
// file) never sees half of one, and `npm pack` (the packaging test) never sees a stray build dir.

import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const SDK = fileURLToPath(new URL('../../packages/sdk/', import.meta.url));

export async function buildSdkForBrowsers(): Promise<void> {
  const outDir = await mkdtemp(join(tmpdir(), 'atrium-js-'));
  try {
    await build({
      root: SDK,
      configFile: join(SDK, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: false },
    });
    // What `npm run build:browser -w @atrium/sdk` writes: the script and its source map.
    for (const name of ['atrium.js.map', 'atrium.js']) {
      const built = await readFile(join(outDir, name));
      const target = join(SDK, 'dist', name);
      if ((await readFile(target).catch(() => undefined))?.equals(built)) continue;
      await mkdir(join(SDK, 'dist'), { recursive: true });
      const partial = `${target}.${process.pid}.tmp`;
      await writeFile(partial, built);
      await rename(partial, target);
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
