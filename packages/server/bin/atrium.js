#!/usr/bin/env node
// The `atrium` command as npm links it. It is committed, not built, because `npm ci` links a
// workspace's bin before anything is built: a bin pointing into dist/ would be left unlinked
// (or not executable), and `npx atrium` would then look for another package of that name.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(fileURLToPath(cli))) {
  await import(cli.href);
} else {
  process.stderr.write(
    `atrium: ${fileURLToPath(cli)} is not built yet.\n` +
      'In a checkout of the Atrium repository, build first: npm run build (or npx tsc -b).\n',
  );
  process.exitCode = 1;
}
