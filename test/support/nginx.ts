// A real nginx in front of test nodes, running the config the docs show
// (docs/examples/nginx-atrium.conf, shown verbatim in docs/operations.md) with only its upstream
// servers and its listen address swapped for the test's. It runs as a child process with every
// path (pid, logs, temp files) in a temp dir, so it never touches the machine's own nginx.

import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WS_PATH } from '@atrium/protocol';
import { exitOf, outputOf, stopChild, track } from './children.js';
import { freePort } from './ports.js';
import { until } from './until.js';

const NGINX = process.env.ATRIUM_NGINX ?? 'nginx';
const START_TIMEOUT_MS = 10_000;

export const NGINX_EXAMPLE = fileURLToPath(new URL('../../docs/examples/nginx-atrium.conf', import.meta.url));

// SIGTERM, not SIGKILL: the master stops its workers, which would otherwise keep the port.
const STOP_SIGNAL = 'SIGTERM';

/**
 * The example config for the test: its `server host:port …;` lines (the upstream's) become one
 * line per test node with the same parameters, its `listen …;` a plain-HTTP loopback port (TLS
 * is the one part not exercised). Throws if the example no longer has those lines, so a change
 * to it cannot silently stop being tested.
 */
export function adaptExample(example: string, upstreams: string[], port: number): string {
  const serverLine = /^([ \t]*)server[ \t]+\S+:\d+([^;]*);[ \t]*$/;
  const listenLine = /^([ \t]*)listen[ \t][^;]*;/;
  const lines = example.split('\n');
  const first = lines.findIndex((l) => serverLine.test(l));
  const [, indent = '', params = ''] = serverLine.exec(lines[first] ?? '') ?? [];
  if (first < 0) throw new Error('the nginx example has no upstream `server host:port` line');
  const listens = lines.filter((l) => listenLine.test(l)).length;
  if (listens !== 1) throw new Error(`the nginx example has ${listens} listen lines, not 1`);
  return lines
    .flatMap((line, i) => {
      if (i === first) return upstreams.map((u) => `${indent}server ${u}${params};`);
      if (serverLine.test(line)) return [];
      return [line.replace(listenLine, `$1listen 127.0.0.1:${port};`)];
    })
    .join('\n');
}

export class TestNginx {
  private readonly output: () => string;

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly port: number,
  ) {
    this.output = outputOf(child, 20_000);
  }

  /** nginx on a free port in front of `upstreams` (`host:port` each); retries if the port was taken. */
  static async start(upstreams: string[]): Promise<TestNginx> {
    const example = await readFile(NGINX_EXAMPLE, 'utf8');
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        return await TestNginx.launch(adaptExample(example, upstreams, await freePort()));
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The URL an SDK gets: the balancer's, with the server's WebSocket path. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}${WS_PATH}`;
  }

  /** Access log lines so far: `METHOD uri status upstream-addresses-tried`. */
  async accessLog(): Promise<string[]> {
    const text = await readFile(join(this.dir, 'access.log'), 'utf8').catch(() => '');
    return text.split('\n').filter((l) => l !== '');
  }

  /** What nginx wrote to stderr (its error log), for failure messages. */
  get errors(): string {
    return this.output();
  }

  /** Fast shutdown (SIGTERM), awaited, then the temp dir removed. */
  async stop(): Promise<void> {
    await stopChild(this.child, STOP_SIGNAL);
    await rm(this.dir, { recursive: true, force: true });
  }

  private static async launch(site: string): Promise<TestNginx> {
    const dir = await mkdtemp(join(tmpdir(), 'atrium-nginx-'));
    // Started as root, nginx runs its workers as another user: they must reach the temp dirs.
    await chmod(dir, 0o755);
    const port = Number(/listen 127\.0\.0\.1:(\d+);/.exec(site)?.[1]);
    await writeFile(join(dir, 'atrium.conf'), site);
    await writeFile(join(dir, 'nginx.conf'), mainConfig(dir));
    // -e: the log for errors before the config is read (else the build's default path).
    const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const nginx = new TestNginx(track(child, STOP_SIGNAL), dir, port);
    try {
      await nginx.ready();
      return nginx;
    } catch (error) {
      await nginx.stop();
      throw error;
    }
  }

  /** Ready once the pid file names our process: nginx writes it after binding its port. */
  private async ready(): Promise<void> {
    const exited = exitOf(this.child, (code) => `nginx exited (${code}): ${this.errors.slice(-800)}`);
    const pidFile = join(this.dir, 'nginx.pid');
    await until(
      async () =>
        (await Promise.race([readFile(pidFile, 'utf8').then(Number, () => undefined), exited])) ===
        this.child.pid,
      {
        timeoutMs: START_TIMEOUT_MS,
        everyMs: 20,
        failure: () => `nginx did not start: ${this.errors.slice(-800)}`,
      },
    );
  }
}

/** The top-level config around the site: one worker, every path in `dir`. */
function mainConfig(dir: string): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;

events {
    worker_connections 256;
}

http {
    log_format upstreams '$request_method $uri $status $upstream_addr';
    access_log ${dir}/access.log upstreams;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/atrium.conf;
}
`;
}
