// The packages installed as an app installs them: each workspace package packed (its `prepack`
// builds it), the tarballs installed into a fresh project in a temp dir outside the repository,
// the server started from that project's `atrium` command, a Node client made of the installed
// SDK and tokens of the installed @atrium/token, and a page that loads the SDK from the server's
// /atrium.js. One install per run (npm fetches the third-party dependencies).

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoomEngine } from '@atrium/sdk';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ID, SECRET } from '../support/world.js';
import {
  type InstalledServer,
  installInto,
  PACKAGES,
  type Packed,
  packAll,
  REPO,
  run,
  startInstalledServer,
} from './installed.js';

let work: string;
let app: string;
let packed: Packed[];
let server: InstalledServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'atrium-pack-'));
  packed = await packAll(join(work, 'tarballs'));
  app = join(work, 'app');
  await installInto(
    app,
    packed.map((p) => join(work, 'tarballs', p.filename)),
  );
  await writeFile(
    join(app, 'atrium.json'),
    JSON.stringify({ apps: [{ appID: APP_ID, serverSecret: SECRET }], logLevel: 'info' }),
  );
  server = await startInstalledServer(app, ['--config', 'atrium.json']);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const installed = (pkg: string, ...path: string[]) => join(app, 'node_modules', '@atrium', pkg, ...path);

describe('the packed packages', () => {
  it('carry their build, README, CHANGELOG and the license, under one version', async () => {
    const license = await readFile(join(REPO, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(packed.map((p) => p.name)).toEqual(PACKAGES.map((p) => `@atrium/${p}`));
    const version = packed[0]?.version;
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      expect(files, p.name).toEqual(
        expect.arrayContaining([
          'LICENSE',
          'README.md',
          'CHANGELOG.md',
          'package.json',
          'dist/index.js',
          'dist/index.d.ts',
        ]),
      );
      // No tests, build caches or other workspace files; the server's committed bin shim besides.
      const shim = (f: string) => p.name === '@atrium/server' && f === 'bin/atrium.js';
      expect(
        files.filter(
          (f) => !/^(dist|src)\//.test(f) && !/^[A-Z]+\.md$|^LICENSE$|^package\.json$/.test(f) && !shim(f),
        ),
      ).toEqual([]);
      expect(files.filter((f) => f.endsWith('.tsbuildinfo'))).toEqual([]);
      const dir = installed(p.name.slice('@atrium/'.length));
      expect(await readFile(join(dir, 'LICENSE'), 'utf8'), p.name).toBe(license);
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
      expect(manifest.version, p.name).toBe(version);
      expect(manifest.license).toBe('Apache-2.0');
      expect(manifest.type).toBe('module');
      expect(manifest.sideEffects, p.name).toBeDefined();
      expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
      for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
        if (dep.startsWith('@atrium/')) expect(range, `${p.name} → ${dep}`).toBe(version);
      }
    }
    expect(packed.find((p) => p.name === '@atrium/sdk')?.files.map((f) => f.path)).toContain(
      'dist/atrium.js',
    );
    const sdk = await import(installed('sdk', 'dist', 'index.js'));
    expect(sdk.ATRIUM_VERSION).toBe(version);
  });

  it('type-check with skipLibCheck off, for a Node app and for a browser-only one', async () => {
    await writeFile(
      join(app, 'node-app.ts'),
      `import { checkRoomID, Code } from '@atrium/protocol';
import { RoomEngine, ZegoExpressEngine, type ZegoUser } from '@atrium/sdk';
import { createRoomServer, type RoomServer, WsTransport } from '@atrium/server';
import { generateToken04, makePrivilegePayload, verifyToken04 } from '@atrium/token';

const user: ZegoUser = { userID: 'ann' };
const engine: RoomEngine = new ZegoExpressEngine(1, 'ws://127.0.0.1:1/ws');
const server: Promise<RoomServer> = createRoomServer({ apps: [{ appID: 1, serverSecret: 'x'.repeat(32) }] });
const token: string = generateToken04(1, user.userID, 'x'.repeat(32), 60, makePrivilegePayload({ roomID: 'r' }));
const ok: boolean = verifyToken04(token, 'x'.repeat(32)).ok;
export { Code, checkRoomID, engine, ok, server, WsTransport };
`,
    );
    await writeFile(
      join(app, 'browser-app.ts'),
      `import { Code } from '@atrium/protocol';
import { ZegoExpressEngine } from '@atrium/sdk';

export const engine = new ZegoExpressEngine(1, 'wss://rooms.example.com/ws');
engine.on('roomStateChanged', (roomID, reason, errorCode) => console.log(roomID, reason, errorCode === Code.OK));
`,
    );
    const base = {
      strict: true,
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      noEmit: true,
      skipLibCheck: false,
    };
    await writeFile(
      join(app, 'tsconfig.node.json'),
      JSON.stringify({ compilerOptions: base, files: ['node-app.ts'] }),
    );
    // A page's project: the DOM, and no Node types at all.
    await writeFile(
      join(app, 'tsconfig.browser.json'),
      JSON.stringify({
        compilerOptions: { ...base, lib: ['es2022', 'dom'], types: [] },
        files: ['browser-app.ts'],
      }),
    );
    const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
    await run(tsc, ['-p', 'tsconfig.node.json'], { cwd: app });
    await run(tsc, ['-p', 'tsconfig.browser.json'], { cwd: app });
  }, 60_000);

  it('run: the installed CLI serves a Node client of the installed SDK and tokens', async () => {
    if (server === undefined) throw new Error('no server');
    await writeFile(
      join(app, 'client.mjs'),
      `import { ZegoExpressEngine } from '@atrium/sdk';
import { generateToken04 } from '@atrium/token';

const [wsUrl, appID, secret] = process.argv.slice(2);
const id = Number(appID);
const engines = ['ann', 'bob'].map(() => new ZegoExpressEngine(id, wsUrl, { logLevel: 'silent' }));
const [ann, bob] = engines;
const heard = new Promise((resolve) => bob.on('IMRecvBroadcastMessage', (roomID, messages) => resolve({ roomID, from: messages[0].fromUser.userID, message: messages[0].message })));
await ann.loginRoom('lobby', generateToken04(id, 'ann', secret, 600), { userID: 'ann' });
await bob.loginRoom('lobby', generateToken04(id, 'bob', secret, 600), { userID: 'bob' }, { userUpdate: true });
const sent = await ann.sendBroadcastMessage('lobby', 'hello from an installed SDK');
const received = await heard;
console.log(JSON.stringify({ states: [ann.getRoomState('lobby'), bob.getRoomState('lobby')], sent: sent.errorCode, received }));
for (const e of engines) e.destroyEngine();
process.exit(0);
`,
    );
    const { stdout } = await run('node', ['client.mjs', server.wsUrl, String(APP_ID), SECRET], {
      cwd: app,
      timeoutMs: 20_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      states: ['LOGINED', 'LOGINED'],
      sent: 0,
      received: { roomID: 'lobby', from: 'ann', message: 'hello from an installed SDK' },
    });
  }, 30_000);

  it('serve the browser build at /atrium.js: a page gets ZegoExpressEngine from a script tag and logs in', async () => {
    if (server === undefined) throw new Error('no server');
    const script = await fetch(`${server.httpUrl}/atrium.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe(await readFile(installed('sdk', 'dist', 'atrium.js'), 'utf8'));
    const index = await (await fetch(`${server.httpUrl}/`)).text();
    // Installed, the server has no repository to build in: `/` must not send the user to one.
    expect(index).toContain('/atrium.js');
    expect(index).not.toContain('npm run');

    // A token from the installed CLI, for a page that has only the script.
    const { stdout: token } = await run(
      join(app, 'node_modules', '.bin', 'atrium'),
      ['token', '--app-id', String(APP_ID), '--secret', SECRET, '--user', 'pat'],
      { cwd: app },
    );
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.httpUrl}/`);
    await page.addScriptTag({ url: '/atrium.js' });
    const result = await page.evaluate(
      async ({ appID, wsUrl, token }) => {
        // What the script defines: the SDK's exports under Atrium, the engine beside them.
        const g = globalThis as unknown as {
          ZegoExpressEngine: typeof RoomEngine;
          Atrium: typeof import('@atrium/sdk');
        };
        const engine = new g.ZegoExpressEngine(appID, wsUrl, { logLevel: 'silent' });
        await engine.loginRoom('lobby', token, { userID: 'pat' });
        const sent = await engine.sendBroadcastMessage('lobby', 'from a page');
        const state = engine.getRoomState('lobby');
        engine.destroyEngine();
        return {
          sameClass:
            g.Atrium.ZegoExpressEngine === g.ZegoExpressEngine && g.Atrium.RoomEngine === g.ZegoExpressEngine,
          version: g.Atrium.ATRIUM_VERSION,
          state,
          sent: sent.errorCode,
        };
      },
      { appID: APP_ID, wsUrl: server.wsUrl, token: token.trim() },
    );
    expect(result).toEqual({ sameClass: true, version: packed[0]?.version, state: 'LOGINED', sent: 0 });
    expect(errors).toEqual([]);
  }, 60_000);
});
