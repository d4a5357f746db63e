// A small scripted protocol server for the SDK's own tests (docs/protocol.md): real `ws` sockets
// on loopback, port 0. By default it logs anyone in, refuses every resume, and answers the rest
// with code 0; a test overrides any request type with its own handler and pushes frames at will.

import {
  type ClientFrame,
  type ClientRequest,
  Code,
  decodeClientFrame,
  type RoomSnapshot,
  type ServerFrame,
} from '@atrium/protocol';
import { type WebSocket, WebSocketServer } from 'ws';

export class FakeConn {
  readonly frames: ClientFrame[] = [];
  /** Silent: stops answering anything, pings included, while the socket stays open. */
  silent = false;
  closed = false;

  constructor(readonly ws: WebSocket) {}

  send(frame: ServerFrame | Record<string, unknown>): void {
    if (!this.closed) this.ws.send(JSON.stringify(frame));
  }

  reply(frame: ClientRequest, code: number = Code.OK, data?: unknown, ext?: string): void {
    this.send({
      t: 'reply',
      id: frame.id,
      code,
      ...(data === undefined ? {} : { data }),
      ...(ext ? { ext } : {}),
    });
  }

  /** Cut the TCP connection without a close handshake. */
  kill(): void {
    this.ws.terminate();
  }
}

export type Handler = (frame: ClientRequest, conn: FakeConn, server: FakeServer) => void;

export interface FakeServerOptions {
  port?: number;
  /** The heartbeat interval announced in `hello`. */
  hb?: number;
}

type Waiter = { match: () => boolean; resolve: () => void };

export class FakeServer {
  readonly conns: FakeConn[] = [];
  /** Every request received, in order, over all connections. */
  readonly requests: ClientRequest[] = [];
  readonly handlers: Partial<Record<ClientRequest['t'], Handler>> = {};
  /** The snapshot a login to a room returns. */
  readonly snapshots = new Map<string, RoomSnapshot>();
  /** False: new connections are cut before `hello`, like a server that is not up yet. */
  accepting = true;
  /** Connections attempted, refused ones included. */
  attempts = 0;
  private sessions = 0;
  private messageIDs = 0;
  private waiters: Waiter[] = [];

  private constructor(
    private readonly wss: WebSocketServer,
    readonly hb: number,
  ) {}

  static async start(options: FakeServerOptions = {}): Promise<FakeServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const server = new FakeServer(wss, options.hb ?? 5000);
    wss.on('connection', (ws) => server.accept(ws));
    return server;
  }

  get port(): number {
    return (this.wss.address() as { port: number }).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get last(): FakeConn | undefined {
    return this.conns.at(-1);
  }

  snapshot(roomID: string): RoomSnapshot {
    return this.snapshots.get(roomID) ?? { seq: 0, users: [], streams: [], extra: [], count: 1 };
  }

  /** The default login reply: a new session, the room's snapshot. */
  loginOk(frame: ClientRequest & { room: string }, conn: FakeConn): void {
    this.sessions++;
    conn.reply(frame, Code.OK, {
      session: `s${this.sessions}`,
      key: `k${this.sessions}`,
      hb: this.hb,
      expire: 2_000_000_000,
      snapshot: this.snapshot(frame.room),
    });
  }

  private accept(ws: WebSocket): void {
    this.attempts++;
    if (!this.accepting) {
      ws.terminate();
      this.notify();
      return;
    }
    const conn = new FakeConn(ws);
    this.conns.push(conn);
    ws.on('close', () => {
      conn.closed = true;
      this.notify();
    });
    ws.on('error', () => {});
    ws.on('message', (data) => {
      if (conn.silent) return;
      const decoded = decodeClientFrame(data.toString());
      if (!decoded.ok) return;
      const frame = decoded.frame;
      conn.frames.push(frame);
      if (frame.t === 'ping') conn.send({ t: 'pong' });
      else {
        this.requests.push(frame);
        (this.handlers[frame.t] ?? this.defaultHandler)(frame, conn, this);
      }
      this.notify();
    });
    conn.send({ t: 'hello', v: 1, hb: this.hb });
    this.notify();
  }

  private readonly defaultHandler: Handler = (frame, conn) => {
    switch (frame.t) {
      case 'login':
      case 'switch':
        this.loginOk(frame, conn);
        return;
      case 'resume':
        conn.reply(frame, Code.NOT_LOGGED_IN);
        return;
      case 'bcast':
      case 'barrage':
        conn.reply(frame, Code.OK, { messageID: ++this.messageIDs });
        return;
      default:
        conn.reply(frame);
    }
  };

  /** Resolves once `match` holds, checked after every connection, frame and close. */
  until(match: () => boolean, timeoutMs = 5000): Promise<void> {
    if (match()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`fake server: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The next request of a type (after `skip` earlier ones of that type). */
  async request<T extends ClientRequest['t']>(t: T, skip = 0): Promise<Extract<ClientRequest, { t: T }>> {
    const of = () => this.requests.filter((r): r is Extract<ClientRequest, { t: T }> => r.t === t);
    await this.until(() => of().length > skip);
    return of()[skip] as Extract<ClientRequest, { t: T }>;
  }

  private notify(): void {
    const due = this.waiters.filter((w) => w.match());
    this.waiters = this.waiters.filter((w) => !due.includes(w));
    for (const w of due) w.resolve();
  }

  async close(): Promise<void> {
    for (const conn of this.conns) conn.ws.terminate();
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
