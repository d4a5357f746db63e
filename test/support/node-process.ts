// A room server as its own process (the built CLI, `npx tsc -b` first), for cluster tests that
// kill a node outright: `kill()` is SIGKILL, nothing of the node's own cleanup runs.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild, track } from './children.js';
import { readyz } from './cluster.js';
import { freePort } from './ports.js';
import { until } from './until.js';
import { APP_ID, SECRET } from './world.js';

const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export class NodeProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(options: Record<string, unknown>): Promise<NodeProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'atrium-node-'));
    const config = join(dir, 'config.json');
    const port = await freePort();
    await writeFile(
      config,
      JSON.stringify({ apps: [{ appID: APP_ID, serverSecret: SECRET }], logLevel: 'warn', ...options }),
    );
    const child = spawn(process.execPath, [CLI, 'serve', '--config', config, '--port', String(port)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const node = new NodeProcess(track(child), port);
    await node.ready();
    return node;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGKILL: the node vanishes with its links, leases and sessions as they are. */
  async kill(): Promise<void> {
    await stopChild(this.child);
  }

  private async ready(): Promise<void> {
    await until(
      async () => {
        if (this.child.exitCode !== null) throw new Error(`node exited with ${this.child.exitCode}`);
        // A refused fetch: not listening yet.
        return (await readyz(this).catch(() => 0)) === 200;
      },
      { timeoutMs: START_TIMEOUT_MS, failure: () => 'node did not become ready' },
    );
  }
}
