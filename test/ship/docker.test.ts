// The container image and the cluster compose file, run for real: Dockerfile built unchanged,
// docker-compose.yml brought up (Redis, two nodes, nginx in front), SDK clients from this
// repository's sources talking to nginx's port on loopback. Docker Hub is out of reach here, so
// test/ship/base-images.sh first builds local stand-ins tagged with the official image names
// (kept between runs).
//
// Runs only when CI=true (vitest.config.ts leaves it out otherwise): building the image and
// starting five containers takes a minute or more. `.ci/run` installs and starts Docker for it.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickRetry } from '../reconnect/net.js';
import { broadcastEachWay, enter, expectNothingLost, ids } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { until } from '../support/until.js';
import { APP_ID, type Client, SECRET, World } from '../support/world.js';
import { REPO, run } from './installed.js';

const execFileAsync = promisify(execFile);
const IMAGE = 'atrium:ship-test';
const PROJECT = `atrium-ship-${process.pid}`;
const NODES = ['atrium-1', 'atrium-2'] as const;
type Node = (typeof NODES)[number];

let port: number;
let world: World;
let env: NodeJS.ProcessEnv;
let up = false;

const compose = (...args: string[]) =>
  run('docker-compose', ['-p', PROJECT, ...args], { cwd: REPO, env, timeoutMs: 180_000 });
const docker = (...args: string[]) => run('docker', args, { cwd: REPO, timeoutMs: 120_000 });

async function containerOf(service: string): Promise<string> {
  return (await compose('ps', '-q', service)).stdout.trim();
}

async function health(service: string): Promise<string> {
  const { stdout } = await docker('inspect', '-f', '{{.State.Health.Status}}', await containerOf(service));
  return stdout.trim();
}

/** The sessions a node holds, from its own /metrics (the nodes are not published on the host). */
async function sessionsOn(service: Node): Promise<number> {
  const script =
    "fetch('http://127.0.0.1:8800/metrics').then((r) => r.text()).then((t) => console.log(t.split('\\n').find((l) => l.startsWith('atrium_sessions ')).split(' ')[1]))";
  const { stdout } = await docker('exec', await containerOf(service), 'node', '-e', script);
  return Number(stdout.trim());
}

async function nodeOf(expected: number): Promise<Node> {
  for (const node of NODES) if ((await sessionsOn(node)) === expected) return node;
  throw new Error(`no node holds ${expected} session(s)`);
}

const wsUrl = () => `ws://127.0.0.1:${port}/ws`;

beforeAll(async () => {
  await run('bash', [join(REPO, 'test/ship/base-images.sh')], { cwd: REPO, timeoutMs: 900_000 });
  await run('docker', ['build', '-t', IMAGE, '.'], { cwd: REPO, timeoutMs: 900_000 });
  port = await freePort();
  env = {
    ...process.env,
    SERVER_IMAGE: IMAGE,
    ATRIUM_APPS: `${APP_ID}:${SECRET}`,
    NGINX_PUBLISH: `127.0.0.1:${port}`,
  };
  up = true;
  await compose('up', '-d', '--no-build');
  // Healthy by the image's own HEALTHCHECK (GET /healthz from inside the container).
  await until(async () => (await Promise.all(NODES.map(health))).every((h) => h === 'healthy'), {
    timeoutMs: 90_000,
    everyMs: 1000,
    failure: () => 'the nodes did not become healthy',
  });
  await until(
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true,
    {
      timeoutMs: 30_000,
      everyMs: 200,
    },
  );
  world = new World();
}, 1_500_000);

afterAll(async () => {
  await world?.close();
  if (up) await compose('down', '-v', '--remove-orphans');
}, 120_000);

describe('the image', () => {
  it('runs as a non-root user with production dependencies only, checked by its HEALTHCHECK', async () => {
    const config = JSON.parse((await docker('image', 'inspect', '-f', '{{json .Config}}', IMAGE)).stdout);
    expect(config.User).toBe('node');
    expect(config.Healthcheck.Test.join(' ')).toContain('/healthz');
    expect(config.Entrypoint).toEqual(['atrium']);
    const { stdout } = await docker(
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      IMAGE,
      '-c',
      'id -u; ls /app/node_modules',
    );
    const [uid, ...modules] = stdout.trim().split('\n');
    expect(uid).not.toBe('0');
    expect(modules).toEqual(expect.arrayContaining(['@atrium', 'ws', 'ioredis', 'pino']));
    for (const dev of ['typescript', 'vite', 'vitest', '@biomejs', 'playwright-core', 'fast-check']) {
      expect(modules, dev).not.toContain(dev);
    }
  });

  it('takes its configuration from a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atrium-docker-config-'));
    const file = join(dir, 'atrium.json');
    await writeFile(file, JSON.stringify({ apps: [{ appID: 777, serverSecret: SECRET }], logLevel: 'info' }));
    const name = `${PROJECT}-config`;
    try {
      await docker(
        'run',
        '-d',
        '--name',
        name,
        '-v',
        `${file}:/etc/atrium/atrium.json:ro`,
        IMAGE,
        'serve',
        '--config',
        '/etc/atrium/atrium.json',
      );
      let logs = '';
      await until(
        async () => {
          const out = await docker('logs', name);
          logs = out.stdout + out.stderr;
          return logs.includes('room server listening');
        },
        { timeoutMs: 20_000, everyMs: 200, failure: () => `not listening: ${logs}` },
      );
      const line = JSON.parse(logs.split('\n').find((l) => l.includes('room server listening')) ?? '{}');
      expect(line).toMatchObject({ apps: [777], devMode: false, url: 'http://127.0.0.1:8800' });
    } finally {
      await docker('rm', '-f', name).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
  it('refuses to start in development mode', async () => {
    // No apps would be development mode, which never runs under the image's NODE_ENV=production
    // (nor on its 0.0.0.0 without --dev-expose): it must stop with a usage error, not expose
    // /dev/token to whoever reaches the container.
    const result = await execFileAsync('docker', ['run', '--rm', IMAGE], { timeout: 60_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
    );
    expect(result.code).toBe(2);
    // It says what is missing: the apps (development mode being out of the question here).
    expect(result.stderr).toMatch(/apps is required|devMode|development mode/);
  }, 60_000);
});

describe('the compose cluster behind nginx', () => {
  let ann: Client;
  let cat: Client;
  let annNode: Node;
  const room = 'compose';

  it('logs in through nginx and carries a broadcast across the two nodes', async () => {
    ann = world.client(wsUrl(), { retryPolicy: quickRetry });
    await enter(ann, room, 'ann');
    annNode = await nodeOf(1);
    // nginx's workers balance on their own: log in again until cat lands on the other node.
    for (let attempt = 0; ; attempt++) {
      cat = world.client(wsUrl(), { retryPolicy: quickRetry });
      await enter(cat, room, 'cat');
      if ((await sessionsOn(annNode)) === 1) break;
      if (attempt >= 10) throw new Error('every login landed on one node');
      await cat.engine.logoutRoom(room);
      cat.engine.destroy();
      await until(async () => (await sessionsOn(annNode)) === 1, { everyMs: 200 });
    }
    expect(await sessionsOn(annNode === 'atrium-1' ? 'atrium-2' : 'atrium-1')).toBe(1);
    await ann.rec.waitFor('roomUserUpdate', (a) => a[1] === 'ADD' && ids(a[2]).includes('cat'));
    await broadcastEachWay(ann, cat, room);
  }, 60_000);

  it('resumes a client through nginx while its node restarts, with nothing lost', async () => {
    const mark = ann.rec.mark();
    // SIGTERM: the node closes its links, nginx passes the SDK's reconnect to the other node.
    const restarted = compose('restart', annNode);
    await ann.rec.waitForState(room, 'RECONNECTING', { from: mark, timeoutMs: 30_000 });
    await cat.engine.sendBroadcastMessage(room, 'while away');
    const back = await ann.rec.waitForState(room, 'RECONNECTED', { from: mark, timeoutMs: 30_000 });
    expect(back[3]).toBe('{"recovered":true}');
    await restarted;
    await expectNothingLost(ann, cat, room);
    // The restarted node comes back healthy and serves again.
    await until(async () => (await health(annNode)) === 'healthy', { timeoutMs: 60_000, everyMs: 1000 });
  }, 120_000);
});
