// The abuse suites' rig: the server in a process of its own (optionally under a lower open-file
// limit, as `ulimit -n` sets it), a probe in another that pings every 100 ms from a room of its
// own, raw attacker links from chosen loopback addresses, and readings of the server's RSS and
// `atrium_limited_total`. Built code: `npx tsc -b` first.

import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { exitOf, stopChild, track } from '../../support/children.js';
import { APP_ID, SECRET, token } from '../../support/world.js';

const SERVER_MAIN = fileURLToPath(new URL('./server-main.mjs', import.meta.url));
const PROBE_MAIN = fileURLToPath(new URL('./probe-main.mjs', import.meta.url));

/** The bound every suite asserts on the probe's longest stall: loose, so a loaded machine passes. */
export const STALL_BOUND_MS = 1000;
/** The server's RSS may grow by at most this under an attack. */
export const RSS_GROWTH_BOUND_MB = 300;

export interface ServerProcess {
  wsUrl: string;
  httpUrl: string;
  /** With `metricsPort`: the listener of /metrics and the health checks. */
  metricsUrl?: string;
  child: ChildProcess;
  /** The log lines so far (JSON, parsed). */
  logs: Record<string, unknown>[];
  rssMb(): number;
  /** `atrium_limited_total{limit}`, 0 when never counted. */
  limited(limit: string): Promise<number>;
  /** Open WebSocket links (`atrium_links`). */
  links(): Promise<number>;
  stop(): Promise<void>;
}

export async function startServer(
  options: Record<string, unknown> = {},
  { fdLimit }: { fdLimit?: number } = {},
): Promise<ServerProcess> {
  const args = [SERVER_MAIN, JSON.stringify({ apps: [{ appID: APP_ID, serverSecret: SECRET }], ...options })];
  const child = track(
    fdLimit === undefined
      ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn('/bin/sh', ['-c', `ulimit -n ${fdLimit} && exec "$0" "$@"`, process.execPath, ...args], {
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
  );
  const logs: Record<string, unknown>[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = new Promise<{ wsUrl: string; httpUrl: string; metricsUrl?: string }>((resolve) => {
    lines.on('line', (line) => {
      const value = JSON.parse(line) as Record<string, unknown>;
      if (typeof value.wsUrl === 'string')
        resolve(value as { wsUrl: string; httpUrl: string; metricsUrl?: string });
      else logs.push(value);
    });
  });
  const urls = await Promise.race([first, exitOf(child, (code) => `server exited with ${code}`)]);
  const opsUrl = urls.metricsUrl ?? urls.httpUrl;
  return {
    ...urls,
    child,
    logs,
    rssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    limited: (limit) => metric(opsUrl, `atrium_limited_total{limit="${limit}"}`),
    links: () => metric(opsUrl, 'atrium_links'),
    stop: () => stopChild(child),
  };
}

async function metric(httpUrl: string, name: string): Promise<number> {
  const body = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

export interface Probe {
  /** The longest a ping waited since the last reset (one still waiting counts). */
  stats(): Promise<{ maxStallMs: number; pings: number; pongs: number }>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startProbe(wsUrl: string): Promise<Probe> {
  const child = track(
    fork(PROBE_MAIN, [JSON.stringify({ url: wsUrl, appID: APP_ID, secret: SECRET })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const ask = <T>(message: string, key: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (m.error !== undefined) reject(new Error(`probe: ${String(m.error)}`));
        if (!(key in m)) return;
        child.off('message', onMessage);
        resolve(m[key] as T);
      };
      child.on('message', onMessage);
      if (message !== '') child.send(message);
    });
  await Promise.race([ask('', 'ready'), exitOf(child, (code) => `probe exited with ${code}`)]);
  return {
    stats: () => ask('stats', 'stats'),
    reset: () => ask('reset', 'reset'),
    stop: () => stopChild(child),
  };
}

/** A suite's server under attack and the probe beside it. */
export interface Rig {
  readonly server: ServerProcess;
  readonly probe: Probe;
}

/**
 * Starts the server (`options`, `fdLimit`) and the probe before the suite's tests, and after them
 * runs the suite's own `cleanUp` (its clients first), then stops both.
 */
export function useRig(
  options: Record<string, unknown> = {},
  { fdLimit, cleanUp }: { fdLimit?: number; cleanUp?: () => unknown } = {},
): Rig {
  let server: ServerProcess | undefined;
  let probe: Probe | undefined;
  beforeAll(async () => {
    server = await startServer(options, { fdLimit });
    probe = await startProbe(server.wsUrl);
  });
  afterAll(async () => {
    await cleanUp?.();
    await probe?.stop();
    await server?.stop();
  });
  const started = <T>(part: T | undefined, name: string): T => {
    if (part === undefined) throw new Error(`the rig's ${name} has not started`);
    return part;
  };
  return {
    get server() {
      return started(server, 'server');
    },
    get probe() {
      return started(probe, 'probe');
    },
  };
}

/**
 * The URL a client that logs in opens, as the SDK does: admission control lets a declared fresh
 * login in even while it sheds a reconnect storm (which a loaded test machine can look like).
 */
const loginUrl = (wsUrl: string): string => `${wsUrl}?intent=login`;

/** A raw link from `localAddress` (any of 127/8 reaches the server), resolved once open. */
export async function rawLink(
  wsUrl: string,
  localAddress = '127.0.0.1',
): Promise<{ ws: WebSocket; closed: Promise<number>; frames: string[] }> {
  const ws = new WebSocket(loginUrl(wsUrl), { localAddress });
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(data.toString()));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  ws.on('error', () => {});
  return { ws, closed, frames };
}

/** Logs a raw link into `room` as `userID`; resolves with the reply's data. */
export function rawLogin(
  link: { ws: WebSocket; frames: string[] },
  room: string,
  userID: string,
): Promise<{ session: string; key: string }> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(data.toString()) as { t: string; id?: number; code?: number; data?: never };
      if (frame.t !== 'reply' || frame.id !== 1) return;
      link.ws.off('message', onMessage);
      if (frame.code === 0) resolve(frame.data as unknown as { session: string; key: string });
      else reject(new Error(`login failed: ${data.toString()}`));
    };
    link.ws.on('message', onMessage);
    link.ws.once('close', (code) => reject(new Error(`closed (${code}) before its login reply`)));
    link.ws.send(
      JSON.stringify({ t: 'login', id: 1, appID: APP_ID, room, token: token(userID), user: { userID } }),
    );
  });
}

/** The HTTP status a WebSocket upgrade from `localAddress` was refused with (0: not refused, or cut). */
export function refusedWith(wsUrl: string, localAddress: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(loginUrl(wsUrl), { localAddress });
    ws.once('open', () => {
      ws.terminate();
      resolve(0);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}
