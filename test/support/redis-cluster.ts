// A real Redis Cluster for tests: three `redis-server --cluster-enabled yes` on free loopback
// ports, joined with `redis-cli --cluster create … --cluster-replicas 0`, awaited until the
// cluster state is ok; killed (and their config files removed) on stop. `restart(i)` kills one
// primary and starts it again empty, with its nodes.conf, so it keeps its ID and its slots.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopChild, track } from './children.js';
import { freePort } from './ports.js';
import { withConnection } from './redis.js';
import { until } from './until.js';

const run = promisify(execFile);
const START_TIMEOUT_MS = 20_000;

/** Waits until `check` holds; a check that fails (a node not answering yet) counts as not yet. */
function settled(check: () => Promise<boolean>, what: string): Promise<void> {
  return until(() => check().catch(() => false), {
    timeoutMs: START_TIMEOUT_MS,
    failure: () => `redis cluster: ${what} in time`,
  });
}

export class TestRedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly children: ChildProcess[],
    private readonly dir: string,
  ) {}

  static async start(size = 3): Promise<TestRedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'atrium-redis-cluster-'));
    const ports: number[] = [];
    while (ports.length < size) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const children = ports.map((port) => launch(port, dir));
    const cluster = new TestRedisCluster(ports, children, dir);
    try {
      for (const port of ports) await settled(() => ping(port), `node ${port} did not answer`);
      await run('redis-cli', [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      for (const port of ports)
        await settled(() => clusterOk(port), `node ${port} did not see the cluster ok`);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /**
   * Kills primary `index` (SIGKILL: an outage) and starts it again on the same port with the same
   * nodes.conf and nothing else (no dump, no AOF): the same node, its slots' data gone. Resolves
   * once every node sees the cluster ok again.
   */
  async restart(index: number): Promise<void> {
    const port = this.ports[index];
    const child = this.children[index];
    if (port === undefined || child === undefined) throw new Error(`no node ${index}`);
    await stopChild(child);
    await rm(join(this.dir, dumpFile(port)), { force: true });
    this.children[index] = launch(port, this.dir);
    await settled(() => ping(port), `node ${port} did not answer after its restart`);
    for (const p of this.ports) await settled(() => clusterOk(p), `node ${p} did not see the cluster ok`);
  }

  /** The seed list as the server's `redis` option takes it. */
  get url(): string {
    return this.ports.map((p) => `redis://127.0.0.1:${p}`).join(',');
  }

  /** How many keys with `prefix` each node holds (to see the slots spread). */
  async keysPerNode(prefix: string): Promise<number[]> {
    return Promise.all(
      this.ports.map((p) => withConnection(p, async (r) => (await r.keys(`${prefix}*`)).length)),
    );
  }

  /** The index (in `ports`) of the primary that owns `key`'s slot. */
  async primaryOf(key: string): Promise<number> {
    return withConnection(this.ports[0] ?? 0, async (r) => {
      const slot = Number(await r.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await r.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const owner = ranges.find(([from, to]) => from <= slot && slot <= to)?.[2][1];
      const index = this.ports.indexOf(Number(owner));
      if (index < 0) throw new Error(`no primary owns slot ${slot}`);
      return index;
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => stopChild(child)));
    await rm(this.dir, { recursive: true, force: true });
  }
}

// Nothing is saved (`--save ''`, no AOF); the dump file is named per node all the same, so a
// restart can make sure none is loaded.
const dumpFile = (port: number) => `dump-${port}.rdb`;

function launch(port: number, dir: string): ChildProcess {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--dir',
      dir,
      '--dbfilename',
      dumpFile(port),
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  return track(child);
}

const ping = (port: number) => withConnection(port, async (r) => (await r.ping()) === 'PONG');
const clusterOk = (port: number) =>
  withConnection(port, async (r) => String(await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok'));
