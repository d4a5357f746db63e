// A raw-protocol test client over real `ws` sockets, and a server factory on port 0.

import { request } from 'node:http';
import { Code, type LoginReplyData, type ReplyFrame, type ServerFrame } from '@atrium/protocol';
import { generateToken04, makePrivilegePayload } from '@atrium/token';
import WebSocket from 'ws';
import { createRoomServer, type RoomServer, type RoomServerOptions } from '../src/index.js';

export const APP_ID = 1234567890;
export const SECRET = 'fa94dd0f974cf2e293728a526b028271';
export const OTHER_APP_ID = 987654321;
export const OTHER_SECRET = '0123456789abcdef0123456789abcdef';

const WAIT_MS = 8000;

export async function startServer(options: Partial<RoomServerOptions> = {}): Promise<RoomServer> {
  return createRoomServer({
    apps: [
      { appID: APP_ID, serverSecret: SECRET },
      { appID: OTHER_APP_ID, serverSecret: OTHER_SECRET },
    ],
    port: 0,
    logLevel: 'silent',
    ...options,
  });
}

/** A raw GET, so the path reaches the server exactly as written (fetch would normalise it). */
export function rawGet(base: string, path: string): Promise<{ status: number; body: string; type: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

export interface TokenOptions {
  ttlSec?: number;
  appID?: number;
  secret?: string;
  roomID?: string;
  login?: boolean;
  publish?: boolean;
  streams?: string[];
}

export function tokenFor(userID: string, o: TokenOptions = {}): string {
  const restricted =
    o.roomID !== undefined || o.login !== undefined || o.publish !== undefined || o.streams !== undefined;
  const payload = restricted
    ? makePrivilegePayload({
        roomID: o.roomID ?? '',
        canLogin: o.login ?? true,
        canPublish: o.publish ?? true,
        streamIDs: o.streams ?? null,
      })
    : '';
  return generateToken04(o.appID ?? APP_ID, userID, o.secret ?? SECRET, o.ttlSec ?? 3600, payload);
}

type Pred = (frame: ServerFrame) => boolean;

interface Waiter {
  pred: Pred;
  from: number;
  resolve: (frame: ServerFrame) => void;
}

export interface LoginOptions {
  userName?: string;
  userUpdate?: boolean;
  maxMemberCount?: number;
  multi?: boolean;
  token?: string;
  appID?: number;
}

export class TestClient {
  /** Every frame received, in order. */
  readonly frames: ServerFrame[] = [];
  /** Raw texts that were not JSON (should stay empty). */
  readonly garbage: string[] = [];
  private nextID = 1;
  private waiters: Waiter[] = [];
  private pinger: ReturnType<typeof setInterval> | undefined;
  private readonly closed: Promise<void>;
  closedCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = data.toString();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(text) as ServerFrame;
      } catch {
        this.garbage.push(text);
        return;
      }
      this.frames.push(frame);
      const index = this.frames.length - 1;
      this.waiters = this.waiters.filter((w) => {
        if (index >= w.from && w.pred(frame)) {
          w.resolve(frame);
          return false;
        }
        return true;
      });
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closedCode = code;
        this.stopPinging();
        resolve();
      }),
    );
    socket.on('error', () => {});
  }

  /** Connects, waits for `hello`, then pings every hb/2 unless `ping: false`. */
  static async connect(url: string, opts: { ping?: boolean } = {}): Promise<TestClient> {
    const socket = new WebSocket(url);
    const client = new TestClient(socket);
    const hello = client.waitFor((f) => f.t === 'hello');
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const frame = await hello;
    if (frame.t === 'hello' && opts.ping !== false) {
      client.pinger = setInterval(() => client.send({ t: 'ping' }), Math.max(10, frame.hb / 2));
    }
    return client;
  }

  stopPinging(): void {
    if (this.pinger !== undefined) clearInterval(this.pinger);
    this.pinger = undefined;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request with a fresh id and resolves with its reply. */
  async request(frame: Record<string, unknown>): Promise<ReplyFrame> {
    const id = this.nextID++;
    const reply = this.waitFor((f) => f.t === 'reply' && f.id === id);
    this.send({ ...frame, id });
    return (await reply) as ReplyFrame;
  }

  async login(room: string, userID: string, o: LoginOptions = {}): Promise<ReplyFrame> {
    const user: Record<string, string> = { userID };
    if (o.userName !== undefined) user.userName = o.userName;
    return this.request({
      t: 'login',
      appID: o.appID ?? APP_ID,
      room,
      token: o.token ?? tokenFor(userID),
      user,
      userUpdate: o.userUpdate ?? true,
      maxMemberCount: o.maxMemberCount,
      multi: o.multi,
    });
  }

  /** Logs in and fails the test unless it succeeded. */
  async joined(room: string, userID: string, o: LoginOptions = {}): Promise<LoginReplyData> {
    const reply = await this.login(room, userID, o);
    if (reply.code !== Code.OK) throw new Error(`login ${userID}@${room} failed: ${JSON.stringify(reply)}`);
    return reply.data as LoginReplyData;
  }

  /**
   * Resolves once every frame the server wrote to this link before now has arrived: a request
   * the server answers at once, whose reply therefore comes after them.
   */
  async sync(): Promise<void> {
    await this.request({ t: 'sync' });
  }

  /**
   * Resolves once every request sent on this link before now has been answered. `sync` is not
   * enough for that: a frame the server cannot decode is answered at once, ahead of requests
   * still running. A well-formed request is queued behind them instead (the server runs a
   * link's requests one at a time, in arrival order: gateway/connection.ts), so its reply comes
   * after theirs. This one is answered without touching any room (no session, or not in it).
   */
  async settled(): Promise<void> {
    await this.request({ t: 'bcast', room: 'test-barrier-never-joined', msg: 'barrier' });
  }

  /** The first frame matching `pred` at index ≥ `from` (already received or yet to come). */
  waitFor<T extends ServerFrame = ServerFrame>(pred: Pred, from = 0, timeoutMs = WAIT_MS): Promise<T> {
    const found = this.frames.findIndex((f, i) => i >= from && pred(f));
    if (found >= 0) return Promise.resolve(this.frames[found] as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for a frame; got ${JSON.stringify(this.frames.slice(from))}`));
      }, timeoutMs);
      const waiter: Waiter = {
        pred,
        from,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as T);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Index to pass to `waitFor` / `since` for frames from now on. */
  mark(): number {
    return this.frames.length;
  }

  since(from: number, pred: Pred = () => true): ServerFrame[] {
    return this.frames.slice(from).filter(pred);
  }

  /** Room events (`ev`) received, optionally of one kind. */
  events(k?: string, from = 0): Extract<ServerFrame, { t: 'ev' }>[] {
    return this.frames
      .slice(from)
      .filter((f): f is Extract<ServerFrame, { t: 'ev' }> => f.t === 'ev' && (k === undefined || f.k === k));
  }

  whenClosed(): Promise<void> {
    return this.closed;
  }

  async close(): Promise<void> {
    this.stopPinging();
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }
}

/** Tracks what a test opens, and closes it all. */
export class Harness {
  private servers: RoomServer[] = [];
  private clients: TestClient[] = [];

  async server(options: Partial<RoomServerOptions> = {}): Promise<RoomServer> {
    const server = await startServer(options);
    this.servers.push(server);
    return server;
  }

  async client(server: RoomServer, opts: { ping?: boolean } = {}): Promise<TestClient> {
    const client = await TestClient.connect(server.wsUrl, opts);
    this.clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
    await Promise.all(this.servers.splice(0).map((s) => s.close()));
  }
}

/** `atrium_limited_total{limit}` as /metrics reads now; 0 when never counted. */
export async function limited(httpUrl: string, limit: string): Promise<number> {
  const { body } = await rawGet(httpUrl, '/metrics');
  const line = body.split('\n').find((l) => l.startsWith(`atrium_limited_total{limit="${limit}"} `));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}
