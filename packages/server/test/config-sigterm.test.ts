// The built `atrium` binary as operators run it: `node packages/server/dist/cli.js serve
// --config …` (build first: `npx tsc -b`). Configured from a file and the environment, it
// logs JSON lines; on SIGTERM it stops accepting, tells each connected SDK `bye` (reconnect
// elsewhere), closes, and exits 0.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_ID, SECRET, TestClient, tokenFor } from './helpers.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const WAIT_MS = 15_000;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

interface Running {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  stderr(): string;
  /** The first JSON log line whose msg is `msg`. */
  logged(msg: string): Promise<Record<string, unknown>>;
}

async function serve(config: unknown, env: Record<string, string> = {}): Promise<Running> {
  expect(existsSync(CLI), `${CLI} is missing: run \`npx tsc -b\` first`).toBe(true);
  const dir = await mkdtemp(join(tmpdir(), 'atrium-serve-'));
  dirs.push(dir);
  const path = join(dir, 'atrium.json');
  await writeFile(path, JSON.stringify(config));
  const child = spawn(process.execPath, [CLI, 'serve', '--config', path], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let rest = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    rest += chunk;
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    for (const text of parts) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const w of waiters.filter((x) => x.msg === line.msg)) w.resolve(line);
    }
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logged = (msg: string) => {
    const found = lines.find((l) => l.msg === msg);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${msg}" log line; stderr: ${stderr}`)), WAIT_MS);
      waiters.push({
        msg,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  };
  return { child, lines, exited, logged, stderr: () => stderr };
}

describe('atrium serve, the built binary', () => {
  it('on SIGTERM says bye to connected SDKs, stops accepting, and exits 0', { timeout: 30_000 }, async () => {
    const run = await serve(
      { apps: [{ appID: APP_ID, serverSecret: SECRET }], port: 0, heartbeatIntervalMs: 1000 },
      { ATRIUM_LOG_LEVEL: 'info' },
    );
    const listening = await run.logged('room server listening');
    const httpUrl = String(listening.url);
    const wsUrl = `${httpUrl.replace('http:', 'ws:')}/ws`;
    const [a, b] = [await TestClient.connect(wsUrl), await TestClient.connect(wsUrl)];
    await a.joined('r1', 'ann', { token: tokenFor('ann') });
    await b.joined('r1', 'bob', { token: tokenFor('bob') });
    expect((await fetch(`${httpUrl}/readyz`)).status).toBe(200);

    run.child.kill('SIGTERM');
    for (const c of [a, b]) {
      expect(await c.waitFor((f) => f.t === 'bye', 0, WAIT_MS)).toEqual({
        t: 'bye',
        code: Code.CONNECTION_INTERRUPTED,
      });
      await c.whenClosed();
    }
    expect(await run.exited).toBe(0);
    expect(run.lines.map((l) => l.msg)).toContain('room server closed');
    await expect(fetch(`${httpUrl}/healthz`)).rejects.toThrow();
  });

  it('refuses a bad config at start with the field and the file named, exit code 2', {
    timeout: 30_000,
  }, async () => {
    const run = await serve({ apps: [{ appID: APP_ID, serverSecret: SECRET }], sessionGraceMs: -1 });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/atrium\.json: RoomServerOptions\.sessionGraceMs must be an integer/);
  });
});
