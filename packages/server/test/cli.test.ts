// The `atrium` CLI, run in-process through its `main(argv, io)`: the tests exercise the
// sources (as every test here does) rather than a dist/ build that may be stale, and need no
// child process. `cli.ts` itself is only the shebang line calling that function.

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTokenPayload, verifyToken04 } from '@atrium/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, planServe } from '../src/cli/main.js';
import { SECRET } from './helpers.js';

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: (t: string) => {
        out.stdout += t;
      },
      stderr: (t: string) => {
        out.stderr += t;
      },
    },
  };
}

describe('atrium token', () => {
  it('prints a Token04 for the app, user and ttl', async () => {
    const { out, io } = capture();
    const before = Math.floor(Date.now() / 1000);
    const rc = await main(
      ['token', '--app-id', '42', '--secret', SECRET, '--user', 'ann', '--ttl', '600'],
      io,
    );
    expect(rc).toBe(0);
    expect(out.stdout).toMatch(/^04[A-Za-z0-9+/=]+\n$/);
    const verified = verifyToken04(out.stdout.trim(), SECRET);
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.token).toMatchObject({ appID: 42, userID: 'ann', payload: '' });
    expect(verified.token.expire - before).toBeGreaterThanOrEqual(600);
    expect(verified.token.expire - before).toBeLessThanOrEqual(601);
  });

  it('with --room adds a privilege payload for that room; ttl defaults to 3600', async () => {
    const { out, io } = capture();
    expect(
      await main(['token', '--app-id', '1', '--secret', SECRET, '--user', 'u', '--room', 'hall'], io),
    ).toBe(0);
    const verified = verifyToken04(out.stdout.trim(), SECRET);
    if (!verified.ok) throw new Error(verified.reason);
    expect(verified.token.expire - verified.token.ctime).toBe(3600);
    const payload = parseTokenPayload(verified.token.payload);
    expect(payload).toEqual({
      ok: true,
      privileges: { roomID: 'hall', canLogin: true, canPublish: true, streamIDs: null },
    });
  });

  it('bad usage exits 2 with a message on stderr and nothing on stdout', async () => {
    for (const args of [
      ['token', '--app-id', '1', '--secret', SECRET],
      ['token', '--app-id', 'x', '--secret', SECRET, '--user', 'u'],
      ['token', '--app-id', '1', '--secret', 'short', '--user', 'u'],
      ['token', '--app-id', '1', '--secret', SECRET, '--user', 'u', '--ttl', '0'],
      ['token', '--what'],
      ['frobnicate'],
      [],
    ]) {
      const { out, io } = capture();
      expect(await main(args, io), args.join(' ')).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).not.toBe('');
    }
  });

  it('--help prints the usage', async () => {
    const { out, io } = capture();
    expect(await main(['--help'], io)).toBe(0);
    expect(out.stdout).toMatch(/^ {2}serve /m);
    expect(out.stdout).toMatch(/^ {2}token /m);
    expect(out.stdout).toMatch(/^ {2}check-config /m);
  });
});

describe('atrium serve (planning, and refusals before listening)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atrium-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('without a config: development mode, its app to be kept in ./.atrium-dev.json by serve', async () => {
    const plan = await planServe(['--port', '9123'], undefined, {}, join(dir, 'none.json'));
    expect(plan.devMode).toBe(true);
    expect(plan.options.devMode).toBe(true);
    expect(plan.options.port).toBe(9123);
    // A new app, which `atrium serve` writes there; planning writes nothing (cli-dev-app.test.ts).
    expect(plan.options.apps).toHaveLength(1);
    expect(plan.options.apps[0]?.serverSecret).toMatch(/^[0-9a-f]{32}$/);
    expect(plan.devAppFile).toBe(join(dir, 'none.json'));
    expect(existsSync(join(dir, 'none.json'))).toBe(false);
  });

  it('a config naming apps turns development mode off; flags override it', async () => {
    const path = join(dir, 'atrium.json');
    await writeFile(
      path,
      JSON.stringify({ apps: [{ appID: 7, serverSecret: SECRET }], port: 1000, heartbeatIntervalMs: 3000 }),
    );
    const plan = await planServe(['--config', path, '--port', '0', '--host', '0.0.0.0']);
    expect(plan.devMode).toBe(false);
    expect(plan.options).toMatchObject({
      apps: [{ appID: 7 }],
      port: 0,
      host: '0.0.0.0',
      heartbeatIntervalMs: 3000,
    });
  });

  it('takes the Redis of cluster mode from --redis or the config, --redis first', async () => {
    const path = join(dir, 'redis.json');
    await writeFile(
      path,
      JSON.stringify({ apps: [{ appID: 7, serverSecret: SECRET }], redis: 'redis://a:1' }),
    );
    expect((await planServe(['--config', path])).options.redis).toBe('redis://a:1');
    expect((await planServe(['--config', path, '--redis', 'rediss://b:2'])).options.redis).toBe(
      'rediss://b:2',
    );
    expect((await planServe(['--redis', 'redis://c:3'])).options).toMatchObject({
      devMode: true,
      redis: 'redis://c:3',
    });
  });

  it('refuses a bad --redis, a bad redis config, a bad config and a missing one with exit code 2', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ apps: [{ appID: 7, serverSecret: 'short' }] }));
    const redis = join(dir, 'redis.json');
    await writeFile(
      redis,
      JSON.stringify({ apps: [{ appID: 7, serverSecret: SECRET }], redis: 'localhost' }),
    );
    const notJson = join(dir, 'not.json');
    await writeFile(notJson, '{ nope');
    const cases: [string[], string][] = [
      [['serve', '--redis', 'tcp://localhost:6379'], 'RoomServerOptions.redis'],
      [['serve', '--config', redis], 'RoomServerOptions.redis'],
      [['serve', '--config', bad], 'apps[0].serverSecret'],
      [['serve', '--config', notJson], 'not a JSON object'],
      [['serve', '--config', join(dir, 'missing.json')], 'cannot read'],
      [['serve', '--port', '70000'], '--port'],
    ];
    for (const [args, message] of cases) {
      const { out, io } = capture();
      expect(await main(args, io), args.join(' ')).toBe(2);
      expect(out.stderr).toContain(message);
    }
  });
});
