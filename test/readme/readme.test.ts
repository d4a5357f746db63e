// The README's examples as a reader runs them: the token server is examples/token-server.mjs (the
// README shows it verbatim, checked here), copied into a fresh project depending on @atrium/token
// (this repository's build), and run; the shell line for `atrium token` is run with the values the
// token server uses; the browser client runs in Node.js (the SDK falls back to \`ws\`) against a
// development server, its address the only change. The quick start's promises are checked too.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRoomServer } from '@atrium/server';
import { parseTokenPayload, verifyToken04 } from '@atrium/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { until } from '../support/until.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN_SERVER = join(ROOT, 'examples', 'token-server.mjs');
const APP_ID = 1550480341;
const SECRET = 'f8039ef05026cb56f2908903a4739320';

let readme: string;
let dir: string;
const children: ChildProcess[] = [];

/** The body of the first ```lang block after the heading. */
function block(heading: string, lang: string): string {
  const from = readme.indexOf(`\n## ${heading}`);
  expect(from, heading).toBeGreaterThanOrEqual(0);
  const open = readme.indexOf(`\`\`\`${lang}\n`, from);
  const close = readme.indexOf('\n```\n', open);
  return readme.slice(open + lang.length + 4, close + 1);
}

beforeAll(async () => {
  readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  dir = await mkdtemp(join(tmpdir(), 'atrium-readme-'));
  // A project of the reader's own, outside the repository, with @atrium/token installed.
  await mkdir(join(dir, 'node_modules', '@atrium'), { recursive: true });
  for (const pkg of ['token', 'sdk']) {
    await symlink(join(ROOT, 'packages', pkg), join(dir, 'node_modules', '@atrium', pkg), 'dir');
  }
  await writeFile(join(dir, 'package.json'), '{"type":"module","dependencies":{"@atrium/token":"*"}}');
  await writeFile(join(dir, 'token-server.mjs'), await readFile(TOKEN_SERVER, 'utf8'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['token-server.mjs'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited, stderr: () => stderr };
}

describe("the README's token server", () => {
  it('is examples/token-server.mjs, verbatim', async () => {
    expect(block('A token endpoint', 'js')).toBe(await readFile(TOKEN_SERVER, 'utf8'));
  });

  it('refuses to start without the app ID and a 32-character secret, saying what to set', async () => {
    const envs: Record<string, string>[] = [
      {},
      { APP_ID: String(APP_ID) },
      { APP_ID: String(APP_ID), APP_SERVER_SECRET: 'short' },
    ];
    for (const env of envs) {
      const run = start(env);
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toContain('Set APP_ID and APP_SERVER_SECRET');
    }
  });

  it('hands out a token for the user and room, with CORS headers; a bad userID is a 400', async () => {
    const port = await freePort();
    const run = start({ APP_ID: String(APP_ID), APP_SERVER_SECRET: SECRET, PORT: String(port) });
    const url = `http://127.0.0.1:${port}`;
    let res: Response | undefined;
    await until(async () => {
      res = await fetch(`${url}/?userID=ann&roomID=lobby`, {
        headers: { Origin: 'http://app.example' },
      }).catch(() => undefined);
      return res !== undefined;
    });
    if (res === undefined) throw new Error('no answer');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const verified = verifyToken04(await res.text(), SECRET);
    if (!verified.ok) throw new Error(verified.reason);
    expect(verified.token).toMatchObject({ appID: APP_ID, userID: 'ann' });
    expect(parseTokenPayload(verified.token.payload)).toMatchObject({ privileges: { roomID: 'lobby' } });
    const bad = await fetch(`${url}/?userID=`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('access-control-allow-origin')).toBe('*');
    expect(run.child.exitCode).toBeNull();
  });
});

describe("the README's browser client, run in Node.js as written", () => {
  it('fetches its appID and token from the development server, logs in and broadcasts', async () => {
    const server = await createRoomServer({
      apps: [{ appID: APP_ID, serverSecret: SECRET }],
      devMode: true,
      port: 0,
      logLevel: 'silent',
    });
    try {
      // Only the address differs from the README's: the test's server has a port of its own.
      const port = new URL(server.httpUrl).port;
      const code = block('A browser client in ten lines', 'ts').replaceAll(
        '127.0.0.1:8800',
        `127.0.0.1:${port}`,
      );
      await writeFile(join(dir, 'client.mjs'), `${code}console.log('example done');\n`);
      const child = spawn(process.execPath, ['client.mjs'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        out += c;
      });
      await until(() => out.includes('example done') || child.exitCode !== null, {
        timeoutMs: 15_000,
        failure: () => `the example did not finish: ${out}`,
      });
      expect(out).toContain('lobby LOGINED 0');
      expect(out).not.toContain('not sent');
      expect(out).toContain('example done');
      child.kill('SIGKILL');
    } finally {
      await server.close();
    }
  });
});

describe("the README's other promises", () => {
  it('the shell line for atrium token runs as written, with the values the server printed', () => {
    const line = /`(npx atrium token [^`]+)`/.exec(readme)?.[1];
    expect(line).toBeDefined();
    const out = execFileSync(
      'bash',
      ['-c', (line ?? '').replace('npx atrium', 'node packages/server/bin/atrium.js')],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', APP_ID: String(APP_ID), APP_SERVER_SECRET: SECRET },
        encoding: 'utf8',
      },
    );
    expect(verifyToken04(out.trim(), SECRET)).toMatchObject({
      ok: true,
      token: { appID: APP_ID, userID: 'ann' },
    });
  });

  it('says how to choose a port, links the contract and the compatibility table, uses no undefined appID', () => {
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## A browser client'));
    expect(quickStart).toContain('--port');
    expect(quickStart).toContain('ATRIUM_PORT');
    expect(quickStart).toContain('(docs/contract.md)');
    expect(quickStart).toContain('(docs/zego-compat.md)');
    const client = block('A browser client in ten lines', 'ts');
    // appID is defined before use, and nothing is fetched from a relative URL.
    expect(client.indexOf('const { appID, token }')).toBeLessThan(
      client.indexOf('new ZegoExpressEngine(appID'),
    );
    expect(readme).not.toMatch(/fetch\(\s*['"`]\//);
  });
});
