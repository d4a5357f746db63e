// The WebSocket side of the server: `hello` on connect, `ping`→`pong`, one reply per request,
// `error` for frames without a usable id, and one sweep per server for heartbeat deadlines,
// token deadlines and online counts (no per-member timers). Nothing a client sends can throw
// out of here: bad frames are answered with their code and the session goes on.

import {
  type ClientRequest,
  Code,
  codeMessage,
  decodeClientFrame,
  type ErrorCode,
  encodeFrame,
  PROTOCOL_VERSION,
  type ReplyFrame,
} from '@atrium/protocol';
import type { Respond, RoomContext } from '../rooms/context.js';
import { checkTokenDeadlines } from '../rooms/expiry.js';
import { endSession, settle } from '../rooms/leave.js';
import type { Session } from '../rooms/session.js';
import { Connection } from './connection.js';
import { dispatch } from './dispatch.js';
import type { RoomFanout } from './fanout.js';
import type { TransportEvents, TransportLink } from './transport.js';

const PONG = encodeFrame({ t: 'pong' });
/** Requests waiting behind a busy one; a client that floods beyond this gets refusals. */
const MAX_QUEUED_REQUESTS = 256;
const CLOSE_TOO_SLOW = 1008;

export class Gateway {
  private readonly connections = new Map<TransportLink, Connection>();
  private readonly hello: string;
  private shuttingDown = false;

  constructor(
    private readonly ctx: RoomContext,
    private readonly fanout: RoomFanout,
    /** Monotonic ms: heartbeat deadlines must not move with the wall clock. */
    private readonly monoNow: () => number,
  ) {
    this.hello = encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, hb: ctx.options.heartbeatIntervalMs });
  }

  readonly events: TransportEvents = {
    open: (link) => this.guard('open', () => this.open(link)),
    message: (link, data) => this.guard('message', () => this.message(link, data)),
    close: (link) => this.guard('close', () => this.close(link)),
  };

  get linkCount(): number {
    return this.connections.size;
  }

  /** After the requests queued on the session's link: end it if it has no room left. */
  settleSoon(session: Session): void {
    const conn = session.link === undefined ? undefined : this.connections.get(session.link);
    if (conn === undefined) settle(this.ctx, undefined, session);
    else conn.enqueue(async () => settle(this.ctx, conn, session), true);
  }

  /** The one periodic pass: dead and too-slow links, token deadlines, online counts. */
  sweep(): void {
    const { options } = this.ctx;
    const now = this.monoNow();
    const silentAfter = 2 * options.heartbeatIntervalMs;
    for (const conn of this.connections.values()) {
      if (now - conn.lastFrameAtMs > silentAfter) {
        this.ctx.log.debug({ silentMs: now - conn.lastFrameAtMs }, 'link silent: dropped');
        conn.link.terminate();
      } else if (conn.link.bufferedAmount > options.linkMaxBufferedBytes) {
        this.ctx.log.warn({ buffered: conn.link.bufferedAmount }, 'link too slow: closed');
        conn.link.close(CLOSE_TOO_SLOW, 'too slow');
      }
    }
    const wallNow = this.ctx.now();
    for (const session of this.ctx.sessions.values()) checkTokenDeadlines(this.ctx, session, wallNow);
    this.fanout.flushCounts();
  }

  /** Says `bye` to every link and ends every session; the transport closes the links after. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    const bye = encodeFrame({ t: 'bye', code: Code.CONNECTION_INTERRUPTED });
    const conns = [...this.connections.values()];
    for (const conn of conns) {
      conn.link.send(bye);
      this.endConnection(conn, 'server closing');
    }
    await Promise.all(conns.map((c) => c.whenIdle()));
  }

  private open(link: TransportLink): void {
    const conn = new Connection(link, this.monoNow(), MAX_QUEUED_REQUESTS, (error) =>
      this.ctx.log.error({ err: error }, 'request task failed'),
    );
    this.connections.set(link, conn);
    link.send(this.hello);
    if (this.shuttingDown) link.close(1001, 'server closing');
  }

  private message(link: TransportLink, data: Uint8Array): void {
    const conn = this.connections.get(link);
    if (conn === undefined || conn.closed) return;
    conn.lastFrameAtMs = this.monoNow();
    const decoded = decodeClientFrame(data);
    if (!decoded.ok) {
      if (decoded.id !== undefined) link.send(replyFail(decoded.id, decoded.code, decoded.msg));
      else link.send(encodeFrame({ t: 'error', code: decoded.code, msg: decoded.msg }));
      return;
    }
    const frame = decoded.frame;
    if (frame.t === 'ping') {
      link.send(PONG);
      return;
    }
    if (!conn.enqueue(() => this.handle(conn, frame))) {
      link.send(replyFail(frame.id, Code.INPUT_PARAM, 'too many requests in flight'));
    }
  }

  private close(link: TransportLink): void {
    const conn = this.connections.get(link);
    if (conn === undefined) return;
    this.connections.delete(link);
    this.endConnection(conn, 'link closed');
  }

  /** Until resume lands, a link's end is its session's end (a grace period will go here). */
  private endConnection(conn: Connection, why: string): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.enqueue(async () => {
      const session = conn.session;
      conn.session = undefined;
      if (session !== undefined && session.link === conn.link) {
        session.link = undefined;
        await endSession(this.ctx, session, why);
      }
    }, true);
  }

  private async handle(conn: Connection, frame: ClientRequest): Promise<void> {
    if (conn.closed) return;
    const respond = new Reply(conn.link, frame.id);
    try {
      await dispatch(this.ctx, conn, frame, respond);
    } catch (error) {
      this.ctx.log.error({ err: error, request: frame.t }, 'request failed');
    }
    if (!respond.sent) {
      this.ctx.log.error({ request: frame.t }, 'request left without a reply');
      respond.fail(Code.INTERNAL);
    }
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.ctx.log.error({ err: error, what }, 'link event failed');
    }
  }
}

function replyFail(id: number, code: ErrorCode, ext?: string): string {
  const frame: ReplyFrame = { t: 'reply', id, code, msg: codeMessage(code) };
  if (ext !== undefined && ext !== '') frame.ext = ext;
  return encodeFrame(frame);
}

class Reply implements Respond {
  sent = false;

  constructor(
    private readonly link: TransportLink,
    private readonly id: number,
  ) {}

  ok(data?: unknown): void {
    if (this.claim()) {
      this.link.send(
        encodeFrame(
          data === undefined
            ? { t: 'reply', id: this.id, code: Code.OK }
            : { t: 'reply', id: this.id, code: Code.OK, data },
        ),
      );
    }
  }

  fail(code: ErrorCode, ext?: string): void {
    if (this.claim()) this.link.send(replyFail(this.id, code, ext));
  }

  private claim(): boolean {
    if (this.sent) return false;
    this.sent = true;
    return true;
  }
}
