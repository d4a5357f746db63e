// Development mode's app survives a restart: `atrium serve` keeps it in ./.atrium-dev.json
// (made on the first run, mode 0600, reused after), or takes it from --dev-app-id/--dev-secret
// or ATRIUM_DEV_APP_ID/ATRIUM_DEV_SECRET. A file that is corrupt or not ours is refused by
// name and left as it is. The restart test runs the built CLI twice, as a user would.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyToken04 } from '@atrium/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDevApp, randomDevApp } from '../src/cli/dev-app.js';
import { planServe } from '../src/cli/main.js';
import { ConfigError } from '../src/config/load.js';
import { OTHER_SECRET, SECRET } from './helpers.js';

const SHIM = fileURLToPath(new URL('../bin/atrium.js', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atrium-devapp-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  appID: number;
  secret: string;
  from: string;
  httpUrl: string;
  exited: Promise<number | null>;
}

/** `atrium serve --port 0` in `cwd`, up to its development banner. */
async function serve(cwd: string, args: string[] = [], env: Record<string, string> = {}): Promise<Started> {
  expect(existsSync(CLI), `${CLI} is missing: run \`npx tsc -b\` first`).toBe(true);
  const child = spawn(process.execPath, [SHIM, 'serve', '--port', '0', ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let text = '';
  const banner = await new Promise<string>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('Ctrl-C stops the server.')) resolve(text);
    });
    child.on('exit', () => reject(new Error(`atrium serve exited: ${text}`)));
  });
  const field = (name: string) => new RegExp(`^ {2}${name} +(.+)$`, 'm').exec(banner)?.[1] ?? '';
  return {
    child,
    appID: Number(field('appID')),
    secret: field('serverSecret'),
    from: field('app from'),
    httpUrl: field('page').replace(/\/$/, ''),
    exited,
  };
}

async function stop(s: Started): Promise<void> {
  s.child.kill('SIGTERM');
  expect(await s.exited).toBe(0);
}

async function devToken(httpUrl: string): Promise<{ appID: number; token: string }> {
  const res = await fetch(`${httpUrl}/dev/token?userID=ann&roomID=lobby`);
  expect(res.status).toBe(200);
  return (await res.json()) as { appID: number; token: string };
}

describe('development mode keeps its app across restarts', () => {
  it('the first run makes .atrium-dev.json (0600) in the working directory; the next reuses it', async () => {
    const cwd = await mkdtemp(join(dir, 'run-'));
    const first = await serve(cwd);
    const file = join(cwd, '.atrium-dev.json');
    expect(first.from).toBe(`${file} (made now)`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const before = await devToken(first.httpUrl);
    await stop(first);

    const second = await serve(cwd);
    expect(second.from).toBe(`${file} (kept from an earlier run)`);
    expect({ appID: second.appID, secret: second.secret }).toEqual({
      appID: first.appID,
      secret: first.secret,
    });
    // A token handed out before the restart is still one the app's secret opens.
    expect(before.appID).toBe(second.appID);
    expect(verifyToken04(before.token, second.secret)).toMatchObject({ ok: true });
    expect((await devToken(second.httpUrl)).appID).toBe(first.appID);
    await stop(second);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      kind: 'atrium-dev-app',
      appID: first.appID,
      serverSecret: first.secret,
    });
  });

  it('--dev-app-id/--dev-secret (or ATRIUM_DEV_APP_ID/ATRIUM_DEV_SECRET) give the app; no file is made', async () => {
    const cwd = await mkdtemp(join(dir, 'given-'));
    const flags = await serve(cwd, ['--dev-app-id', '4242', '--dev-secret', SECRET]);
    expect({ appID: flags.appID, secret: flags.secret, from: flags.from }).toEqual({
      appID: 4242,
      secret: SECRET,
      from: '--dev-app-id and --dev-secret',
    });
    expect((await devToken(flags.httpUrl)).appID).toBe(4242);
    await stop(flags);
    const env = await serve(cwd, [], { ATRIUM_DEV_APP_ID: '99', ATRIUM_DEV_SECRET: OTHER_SECRET });
    expect({ appID: env.appID, secret: env.secret }).toEqual({ appID: 99, secret: OTHER_SECRET });
    await stop(env);
    expect(existsSync(join(cwd, '.atrium-dev.json'))).toBe(false);
  });

  it('flags win over the variables; a given app that is wrong names its flag or variable', async () => {
    const file = join(dir, 'never.json');
    const plan = await planServe(
      ['--dev-app-id', '5', '--dev-secret', SECRET],
      undefined,
      { ATRIUM_DEV_APP_ID: '6', ATRIUM_DEV_SECRET: OTHER_SECRET },
      file,
    );
    expect(plan.options.apps).toEqual([{ appID: 5, serverSecret: SECRET }]);
    expect(plan.devMode).toBe(true);
    const cases: [string[], Record<string, string>, string][] = [
      [
        ['--dev-app-id', '0', '--dev-secret', SECRET],
        {},
        '--dev-app-id: RoomServerOptions.apps[0].appID must be',
      ],
      [
        ['--dev-app-id', 'x', '--dev-secret', SECRET],
        {},
        '--dev-app-id: RoomServerOptions.apps[0].appID must be',
      ],
      [
        ['--dev-app-id', '5', '--dev-secret', 'short'],
        {},
        '--dev-secret: RoomServerOptions.apps[0].serverSecret',
      ],
      [['--dev-app-id', '5'], {}, '--dev-app-id needs --dev-secret'],
      [[], { ATRIUM_DEV_SECRET: SECRET }, 'ATRIUM_DEV_SECRET needs ATRIUM_DEV_APP_ID'],
      [
        [],
        { ATRIUM_DEV_APP_ID: '1e3', ATRIUM_DEV_SECRET: SECRET },
        'ATRIUM_DEV_APP_ID: RoomServerOptions.apps[0].appID',
      ],
      [
        [],
        { ATRIUM_DEV_APP_ID: '', ATRIUM_DEV_SECRET: SECRET },
        'ATRIUM_DEV_APP_ID: (variable) is set but empty',
      ],
      [
        ['--dev-app-id', '5', '--dev-secret', SECRET],
        { ATRIUM_APPS: `7:${SECRET}` },
        '--dev-app-id: RoomServerOptions.apps is set too (ATRIUM_APPS)',
      ],
    ];
    for (const [args, env, message] of cases) {
      await expect(planServe(args, undefined, env, file), message).rejects.toThrow(message);
    }
    expect(existsSync(file)).toBe(false);
  });
});

describe('a development app file that is not right is refused by name, never replaced', () => {
  const bad: [string, string][] = [
    ['{ not json', 'is not JSON'],
    ['[1, 2]', 'is not a JSON object'],
    [
      '{"appID": 5, "serverSecret": "fa94dd0f974cf2e293728a526b028271"}',
      'is not an Atrium development app file',
    ],
    ['{"kind": "something-else"}', 'is not an Atrium development app file'],
    [
      '{"kind": "atrium-dev-app", "appID": 0, "serverSecret": "fa94dd0f974cf2e293728a526b028271"}',
      'appID must be',
    ],
    [
      '{"kind": "atrium-dev-app", "appID": 5, "serverSecret": "short"}',
      'serverSecret must be a 32-character',
    ],
    [
      '{"kind": "atrium-dev-app", "appID": 5, "serverSecret": "fa94dd0f974cf2e293728a526b028271", "x": 1}',
      'x is not a field',
    ],
  ];

  it('in planning (serve and check-config alike), with the path in the message', async () => {
    for (const [text, message] of bad) {
      const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(file, text);
      const error = await planServe([], undefined, {}, file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, text).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).toContain('delete the file to have a new app made');
      expect(await readFile(file, 'utf8')).toBe(text);
    }
  });

  it('`atrium serve` exits 2 before listening, and the file is unchanged', async () => {
    const cwd = await mkdtemp(join(dir, 'corrupt-'));
    const file = join(cwd, '.atrium-dev.json');
    await writeFile(file, '{"kind": "atrium-dev-app", "appID": 5');
    const child = spawn(process.execPath, [SHIM, 'serve', '--port', '0'], {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain(`atrium: ${file}: (file) is not JSON`);
    expect(await readFile(file, 'utf8')).toBe('{"kind": "atrium-dev-app", "appID": 5');
  });

  it('two servers starting at once in one directory end up with the same app', async () => {
    const file = join(dir, 'race.json');
    const [a, b] = await Promise.all([loadDevApp(file, randomDevApp()), loadDevApp(file, randomDevApp())]);
    expect(a?.app).toEqual(b?.app);
    expect([a?.created, b?.created].sort()).toEqual([false, true]);
  });
});
