// Shared pieces of the attack-door suites: a backend whose joins can be held (a storm's slow
// backend, on demand), metric reads without sleeps, raw links at the door, and a member whose
// session is left detached so that a probe can measure its resume.

import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { LoginReplyData, ReplyFrame } from '@atrium/protocol';
import WebSocket from 'ws';
import { MemoryBackend, type RoomServer } from '../src/index.js';
import { APP_ID, TestClient, tokenFor } from './helpers.js';

/** Joins pass until `hold()`; then each waits until `release()` (a storm's slow backend). */
export class HeldJoins extends MemoryBackend {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  held = 0;
  hold(): void {
    this.gate = new Promise<void>((resolve) => {
      this.open = resolve;
    });
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  override async join(...args: Parameters<MemoryBackend['join']>): ReturnType<MemoryBackend['join']> {
    if (this.gate !== undefined) {
      this.held++;
      await this.gate;
    }
    return super.join(...args);
  }
}

export type Metrics = (name: string) => number;

/** One GET on a connection of its own, closed after (no keep-alive sockets left behind). */
export function get(
  s: RoomServer | string,
  path: string,
  localAddress?: string,
): Promise<{ status: number; body: string }> {
  const url = new URL(typeof s === 'string' ? s : s.httpUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        agent: false,
        localAddress,
        headers: { connection: 'close' },
        timeout: 3000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

export async function metrics(s: RoomServer): Promise<Metrics> {
  // The metrics listener when the server has one (it is not behind the public listener's caps).
  const { status, body: text } = await get(s.metricsUrl ?? s.httpUrl, '/metrics');
  if (status !== 200) throw new Error(`/metrics answered ${status}`);
  return (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
}

/** Reads the metrics until `ok` holds (each read is a request the server answers; no sleeps). */
export async function until(s: RoomServer, ok: (m: Metrics) => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (ok(await metrics(s))) return;
    if (performance.now() > deadline) throw new Error('metrics never got there');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A raw WebSocket to the door (not yet open: it may be held in line). */
export function rawLink(s: RoomServer, query = '?intent=resume'): WebSocket {
  const ws = new WebSocket(`${s.wsUrl}${query}`);
  ws.on('error', () => {});
  return ws;
}

/** A raw TCP socket that sends a WebSocket upgrade and then nothing (what a held link is). */
export function rawUpgrade(s: RoomServer, query = '?intent=resume'): Socket {
  const url = new URL(s.wsUrl);
  const socket = connect(Number(url.port), url.hostname);
  socket.on('error', () => {});
  socket.write(
    `GET ${url.pathname}${query} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  return socket;
}

export function opened(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.OPEN) return Promise.resolve();
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before open')));
  });
}

export function closed(ws: WebSocket | Socket): Promise<void> {
  if (ws instanceof WebSocket && ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  if (!(ws instanceof WebSocket) && ws.destroyed) return Promise.resolve();
  return new Promise((resolve) => ws.once('close', () => resolve()));
}

/** A member logged in to `room`, its link then lost: its session waits for a resume. */
export interface Departed {
  userID: string;
  room: string;
  session: string;
  key: string;
  seq: number;
}

export async function departed(s: RoomServer, room: string, userID: string): Promise<Departed> {
  const client = await TestClient.connect(s.wsUrl);
  const data = (await client.joined(room, userID)) as LoginReplyData;
  client.socket.terminate();
  await client.whenClosed();
  return { userID, room, session: data.session, key: data.key, seq: data.snapshot.seq };
}

/**
 * The member comes back the way the SDK does: a link with `?intent=resume` (held at the door
 * while the server is behind), then its resume. Resolves with the reply and how long it took
 * from the call, or rejects after `timeoutMs`.
 */
export async function comeBack(
  s: RoomServer,
  m: Departed,
  timeoutMs: number,
): Promise<{ reply: ReplyFrame; ms: number; ws: WebSocket }> {
  const started = performance.now();
  const ws = rawLink(s, '?intent=resume');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(
        new Error(
          `no resume answer within ${timeoutMs} ms (link ${ws.readyState === WebSocket.CONNECTING ? 'still held at the door' : 'open'})`,
        ),
      );
    }, timeoutMs);
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { t: string; id?: number };
      if (frame.t === 'hello') {
        ws.send(
          JSON.stringify({ t: 'resume', id: 1, session: m.session, key: m.key, rooms: { [m.room]: m.seq } }),
        );
      } else if (frame.t === 'reply' && frame.id === 1) {
        clearTimeout(timer);
        resolve({ reply: frame as ReplyFrame, ms: performance.now() - started, ws });
      } else if (frame.t === 'bye') {
        clearTimeout(timer);
        reject(
          new Error(
            `turned away: ${JSON.stringify(frame)} after ${Math.round(performance.now() - started)} ms`,
          ),
        );
      }
    });
    ws.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`closed after ${Math.round(performance.now() - started)} ms`));
    });
  });
}

/**
 * A fresh login as the SDK makes it (`?intent=login`), from `localAddress` if given; resolves
 * with the reply's code and how long it took, rejects when refused or after `timeoutMs`.
 */
export function freshLogin(
  s: RoomServer,
  room: string,
  userID: string,
  o: { localAddress?: string; timeoutMs?: number } = {},
): Promise<{ code: number; ms: number }> {
  const started = performance.now();
  const ws = new WebSocket(`${s.wsUrl}?intent=login`, { localAddress: o.localAddress });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no login answer within ${o.timeoutMs ?? 3000} ms`));
    }, o.timeoutMs ?? 3000);
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { t: string; id?: number; code?: number };
      if (frame.t === 'hello') {
        ws.send(
          JSON.stringify({
            t: 'login',
            id: 1,
            appID: APP_ID,
            room,
            token: tokenFor(userID),
            user: { userID },
            userUpdate: true,
          }),
        );
      } else if (frame.t === 'reply' && frame.id === 1) {
        clearTimeout(timer);
        resolve({ code: frame.code ?? -1, ms: Math.round(performance.now() - started) });
        ws.close();
      } else if (frame.t === 'bye') {
        clearTimeout(timer);
        reject(new Error(`turned away: ${JSON.stringify(frame)}`));
      }
    });
    ws.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`closed (${code}) before the login's answer`));
    });
  });
}

export { APP_ID, tokenFor };

export interface Attempts {
  /** Links opened. */
  attempts: number;
  /** Turned away with `bye`: their retry delays. */
  retries: number[];
  /** The resume's answer (code and ext), when one came. */
  code?: number;
  ext?: string;
  /** From the first attempt to the answer (or to giving up). */
  ms: number;
}

/**
 * The member comes back as the SDK does, again and again: a link with `?intent=resume`; turned
 * away with `bye`, it waits the `retryMs` given and tries again. Stops at the resume's answer or
 * after `giveUpMs`.
 */
export async function keepComingBack(s: RoomServer, m: Departed, giveUpMs: number): Promise<Attempts> {
  const started = performance.now();
  const out: Attempts = { attempts: 0, retries: [], ms: 0 };
  const left = () => giveUpMs - (performance.now() - started);
  while (left() > 0) {
    out.attempts++;
    const step = await new Promise<{ reply?: { code: number; ext?: string }; retryMs?: number }>(
      (resolve) => {
        const ws = rawLink(s, '?intent=resume');
        const timer = setTimeout(() => {
          ws.terminate();
          resolve({});
        }, left());
        ws.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as {
            t: string;
            id?: number;
            code?: number;
            ext?: string;
            retryMs?: number;
          };
          if (frame.t === 'hello') {
            ws.send(
              JSON.stringify({
                t: 'resume',
                id: 1,
                session: m.session,
                key: m.key,
                rooms: { [m.room]: m.seq },
              }),
            );
          } else if (frame.t === 'reply' && frame.id === 1) {
            clearTimeout(timer);
            resolve({ reply: { code: frame.code ?? -1, ext: frame.ext } });
            ws.close();
          } else if (frame.t === 'bye') {
            clearTimeout(timer);
            resolve({ retryMs: frame.retryMs ?? 1000 });
          }
        });
        ws.once('close', () => {
          clearTimeout(timer);
          resolve({ retryMs: 100 });
        });
      },
    );
    if (step.reply !== undefined) {
      out.code = step.reply.code;
      if (step.reply.ext !== undefined) out.ext = step.reply.ext;
      break;
    }
    if (step.retryMs === undefined) break;
    out.retries.push(step.retryMs);
    await new Promise((resolve) => setTimeout(resolve, Math.min(step.retryMs ?? 0, Math.max(0, left()))));
  }
  out.ms = Math.round(performance.now() - started);
  return out;
}

/** What a test opened, closed after it: raw sockets and links first, held joins released, then clients and servers. */
export class Cleanup {
  readonly servers: RoomServer[] = [];
  readonly backends: HeldJoins[] = [];
  readonly sockets: (Socket | WebSocket)[] = [];
  readonly clients: TestClient[] = [];

  async close(): Promise<void> {
    for (const socket of this.sockets.splice(0)) {
      if (socket instanceof WebSocket) socket.terminate();
      else socket.destroy();
    }
    for (const backend of this.backends.splice(0)) backend.release();
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
    await Promise.all(this.servers.splice(0).map((s) => s.close()));
  }
}
