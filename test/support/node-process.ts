// A room server as its own process (the built CLI, `npx tsc -b` first), for cluster tests that
// kill a node outright: `kill()` is SIGKILL, nothing of the node's own cleanup runs.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ID, SECRET } from './world.js';

const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

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
    running.add(child);
    const node = new NodeProcess(child, port);
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
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    running.delete(child);
  }

  private async ready(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`node exited with ${this.child.exitCode}`);
      try {
        const res = await fetch(`${this.httpUrl}/readyz`);
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error('node did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
