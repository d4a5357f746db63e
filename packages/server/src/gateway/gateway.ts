// The WebSocket side of the server: `hello` on connect, `ping`→`pong`, one reply per request,
// `error` for frames without a usable id, and one sweep per server for heartbeat deadlines,
// grace periods, token deadlines and online counts (no per-member timers). A link's end
// detaches its session, which waits out the grace period for a resume. Nothing a client sends
// can throw out of here: bad frames are answered with their code and the session goes on.

import {
  type ClientRequest,
  CloseCode,
  Code,
  codeMessage,
  decodeClientFrame,
  type ErrorCode,
  encodeFrame,
  isAppliedOnce,
  PROTOCOL_VERSION,
  type ReplyFrame,
  requestKind,
} from '@atrium/protocol';
import { RateLimits } from '../limits/rates.js';
import type { Refusals } from '../limits/refusals.js';
import type { Respond, RoomContext } from '../rooms/context.js';
import { endIfEmpty, endSession } from '../rooms/end.js';
import { checkTokenDeadlines } from '../rooms/expiry.js';
import { expireDetached } from '../rooms/grace.js';
import { liveSession, type Session } from '../rooms/session.js';
import { Admission, type Verdict } from './admission.js';
import { APPLIED_DEFAULTS, AppliedRequests, userKeyOf } from './applied.js';
import { Connection } from './connection.js';
import { dispatch } from './dispatch.js';
import type { RoomFanout } from './fanout.js';
import { type BudgetRates, budgetBeforeLogin, charge } from './input-budget.js';
import { LinkAdmission } from './link-admission.js';
import type { LinkRequest, TransportEvents, TransportLink } from './transport.js';

const PONG = encodeFrame({ t: 'pong' });
/** Requests waiting behind a busy one; a client that floods beyond this gets refusals. */
const MAX_QUEUED_REQUESTS = 256;
/**
 * While the backend cannot serve (Redis down), a link that needs it is told to come back after
 * this long (`bye` with CONNECTION_INTERRUPTED and `retryMs`); its request goes unanswered, so
 * the SDK sends it again on its next link, to this node or another.
 */
const BACKEND_RETRY_MS = 1000;
const needsBackend = (frame: ClientRequest): boolean => requestKind(frame.t).needsBackend;
const ADMITTED: Verdict = { admit: true };
/** At most this many of the oldest links without a session are looked at for one to evict. */
const EVICT_SCAN = 64;

export class Gateway {
  private readonly connections = new Map<TransportLink, Connection>();
  private readonly hello: string;
  private readonly applied: AppliedRequests;
  private shuttingDown = false;
  /** Cluster mode: the sessions here can be resumed on another node. */
  private readonly clustered: boolean;
  /** Monotonic ms of the last sweep, and whether it held back its silence verdicts. */
  private lastSweepAtMs: number;
  private heldBackVerdicts = false;
  private readonly rates: BudgetRates;
  /** Requests per member, link and address (limits/rates.ts). */
  private readonly requestRates: RateLimits;
  /**
   * Links that had no session when last looked at, oldest first: the ones to close when a new
   * link needs room (an attacker's idle links go before a newcomer is refused).
   */
  private readonly unbound = new Set<Connection>();
  /** Admission control as the links meet it: the line at the door, and who waits for an answer. */
  readonly door: LinkAdmission;

  constructor(
    private readonly ctx: RoomContext,
    private readonly fanout: RoomFanout,
    /** Monotonic ms: heartbeat deadlines must not move with the wall clock. */
    private readonly monoNow: () => number,
    private readonly refusals: Refusals,
    /** Decides which new links get in while the server is behind (reconnect storms). */
    readonly admission: Admission = new Admission(
      { lagBudgetMs: 50, maxPendingLinks: 0, maxGraceStretchMs: ctx.options.sessionGraceMs },
      monoNow,
    ),
  ) {
    this.door = new LinkAdmission(admission);
    this.clustered = ctx.backend.cluster !== undefined;
    this.applied = new AppliedRequests(APPLIED_DEFAULTS, ctx.backend.cluster?.sessions);
    const o = ctx.options;
    this.rates = {
      loggedIn: { framesPerSec: o.inputFramesPerSec, bytesPerSec: o.inputBytesPerSec },
      beforeLogin: { framesPerSec: o.loginInputFramesPerSec, bytesPerSec: o.loginInputBytesPerSec },
    };
    this.requestRates = new RateLimits(o);
    this.lastSweepAtMs = monoNow();
    this.hello = encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, hb: ctx.options.heartbeatIntervalMs });
  }

  readonly events: TransportEvents = {
    knock: (request, door) =>
      this.guard('knock', () => (this.shuttingDown ? door.enter() : this.door.entry.knock(request, door))),
    open: (link, request) => this.guard('open', () => this.open(link, request)),
    message: (link, data) => this.guard('message', () => this.message(link, data)),
    close: (link) => this.guard('close', () => this.close(link)),
    received: (link, bytes, frames) =>
      this.guard('received', () => {
        const conn = this.connections.get(link);
        if (conn !== undefined && !conn.closed) this.withinBudget(conn, frames, bytes, this.monoNow());
      }),
  };

  get linkCount(): number {
    return this.connections.size;
  }

  /**
   * Room for one more link: beyond maxLinksBeforeLogin, or at maxLinks, the oldest idle link
   * without a session is closed to make it. A link whose login or resume is under way is not
   * idle (in a storm those are the members waiting on the backend, and cutting them just before
   * their answer would let one peer's idle links push them out), and only the oldest
   * EVICT_SCAN links are looked at. False when none could go and there are maxLinks.
   */
  admitLink(): boolean {
    const { maxLinks, maxLinksBeforeLogin } = this.ctx.options;
    const full = this.connections.size >= maxLinks;
    if (!full && this.unbound.size < maxLinksBeforeLogin) return true;
    let looked = 0;
    for (const conn of this.unbound) {
      if (conn.session !== undefined || conn.closed) {
        this.unbound.delete(conn);
        continue;
      }
      if (looked++ >= EVICT_SCAN) break;
      if (conn.busy) continue;
      this.unbound.delete(conn);
      this.refusals.note(full ? 'links' : 'links_before_login', { ip: conn.link.remoteAddress });
      this.closeLink(conn, CloseCode.policy, 'evicted: too many links');
      return true;
    }
    return !full;
  }

  /** After the requests queued on the session's link: end it if it has no room left. */
  settleSoon(session: Session): void {
    const conn = session.link === undefined ? undefined : this.connections.get(session.link);
    if (conn === undefined) endIfEmpty(this.ctx, undefined, session);
    else conn.enqueue(async () => endIfEmpty(this.ctx, conn, session), true);
  }

  detach(session: Session, bye?: string): void {
    const link = session.detach(this.monoNow());
    if (link === undefined) return;
    this.fanout.relink(session, link);
    const conn = this.connections.get(link);
    if (conn !== undefined && conn.session === session) {
      conn.closed = true;
      conn.session = undefined;
      // A `bye` needs a clean close to arrive; a dead link is just cut.
      if (bye === undefined) link.terminate();
      else {
        link.send(bye);
        link.close(CloseCode.tryAgainLater, 'try again later');
      }
    }
  }

  /**
   * The backend lost this node's memberships, or some of them: Redis came back empty (or one
   * shard of a Redis Cluster did), or this node was fenced and the others removed what it held.
   * Each session ends here at once and its client is told to come back, to be refused its resume
   * and log in afresh (recovered:false); what is left of its memberships is removed (unless
   * another node took the session over), so nothing this node believed outlives the loss.
   */
  endAll(why: string): void {
    const bye = encodeFrame({ t: 'bye', code: Code.CONNECTION_INTERRUPTED, retryMs: BACKEND_RETRY_MS });
    this.ctx.log.debug({ sessions: this.ctx.sessions.size, why }, 'ending every session');
    for (const session of [...this.ctx.sessions.values()]) {
      this.detach(session, bye);
      endSession(this.ctx, session, 'lost').catch((error: unknown) =>
        this.ctx.log.warn({ err: error, session: session.id }, 'ending a fenced session failed'),
      );
    }
  }

  /** The one periodic pass: dead and too-slow links, grace periods, token deadlines, online counts. */
  sweep(): void {
    const { options } = this.ctx;
    const now = this.monoNow();
    const silentAfter = 2 * options.heartbeatIntervalMs;
    // A sweep a heartbeat late means the event loop was blocked: the pings of live links may be
    // waiting, unread, in their sockets (timers run before I/O is read). Their verdicts wait for
    // the next sweep — one sweep, so a loop that stays overloaded still drops dead links.
    const late = now - this.lastSweepAtMs > options.heartbeatIntervalMs;
    const judge = !late || this.heldBackVerdicts;
    this.heldBackVerdicts = !judge;
    this.lastSweepAtMs = now;
    // A link's backlog is checked as it is written (outbox.ts); here, silence and the login deadline.
    for (const conn of this.connections.values()) {
      if (judge && now - conn.lastFrameAtMs > silentAfter) {
        this.ctx.log.debug({ silentMs: now - conn.lastFrameAtMs }, 'link silent: dropped');
        conn.link.terminate();
      } else if (conn.session !== undefined || conn.closed) {
        conn.sessionlessSinceMs = undefined;
        this.unbound.delete(conn);
      } else {
        conn.sessionlessSinceMs ??= now;
        this.unbound.add(conn);
        // Pings keep a link alive, not unauthenticated: without a session (a login or resume
        // under way aside) it has this long.
        if (now - conn.sessionlessSinceMs > options.loginDeadlineMs && !conn.busy) {
          this.refusals.note('login_deadline', { ip: conn.link.remoteAddress });
          this.closeLink(conn, CloseCode.policy, 'login deadline');
        }
      }
    }
    expireDetached(this.ctx, now, (detachedAtMs) => this.admission.graceFromMs(detachedAtMs));
    const wallNow = this.ctx.now();
    const users = new Set<string>();
    for (const session of this.ctx.sessions.values()) {
      checkTokenDeadlines(this.ctx, session, wallNow);
      users.add(userKeyOf(session));
    }
    this.ctx.kicks.prune(options.kickMemoryMs);
    void this.ctx.removals.retry();
    this.applied.sweep(users, now, options.sessionGraceMs);
    this.requestRates.sweep(now);
    this.fanout.flushCounts();
  }

  /**
   * Says `bye` to every link first, so clients reconnect elsewhere at once. Alone (in-memory
   * backend), it then ends every session, attached or in its grace period: nothing will resume
   * them. In a cluster the sessions are only detached: their clients resume on another node,
   * and if one does not, the other nodes remove it once this node's lease is gone and the grace
   * period has passed. The transport closes the links after.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    const bye = encodeFrame({ t: 'bye', code: Code.CONNECTION_INTERRUPTED });
    const conns = [...this.connections.values()];
    for (const conn of conns) conn.link.send(bye);
    for (const conn of conns) this.endConnection(conn, 'server closing');
    await Promise.all(conns.map((c) => c.whenIdle()));
    if (this.clustered) return;
    const left = [...this.ctx.sessions.values()];
    await Promise.all(left.map((session) => endSession(this.ctx, session, 'expired')));
  }

  private open(link: TransportLink, request: LinkRequest): void {
    const verdict = this.shuttingDown ? ADMITTED : this.door.verdict(request);
    // Room for it was made when it knocked; after a wait in line, it is made again now.
    if (verdict.admit && verdict.waiting === true && !this.admitLink()) {
      this.refusals.note('links', { ip: link.remoteAddress });
      link.close(CloseCode.tryAgainLater, 'too many links');
      return;
    }
    if (!verdict.admit) {
      // Told at once, before any work is spent on it: the wave is reshaped, not queued.
      link.send(encodeFrame({ t: 'bye', code: Code.CONNECTION_INTERRUPTED, retryMs: verdict.retryMs }));
      link.close(CloseCode.tryAgainLater, 'try again later');
      return;
    }
    const now = this.monoNow();
    const conn = new Connection(
      link,
      now,
      MAX_QUEUED_REQUESTS,
      (error) => this.ctx.log.error({ err: error }, 'request task failed'),
      budgetBeforeLogin(this.rates, now),
    );
    this.connections.set(link, conn);
    this.unbound.add(conn);
    this.door.opened(conn, verdict);
    link.send(this.hello);
    if (this.shuttingDown) link.close(CloseCode.goingAway, 'server closing');
    else if (!this.ctx.backend.ready()) this.comeBackLater(conn, 'backend not ready');
  }

  private message(link: TransportLink, data: Uint8Array): void {
    const conn = this.connections.get(link);
    if (conn === undefined || conn.closed) return;
    const now = this.monoNow();
    conn.lastFrameAtMs = now;
    // Its bytes were charged as they were read (`received`); here, the message itself.
    if (!this.withinBudget(conn, 1, 0, now)) return;
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
    // Its first login or resume: from now on admission counts the link as waiting for its answer.
    if ((frame.t === 'login' || frame.t === 'resume') && !this.shuttingDown) this.door.asked(conn);
    if (!conn.enqueue(() => this.handle(conn, frame))) {
      link.send(replyFail(frame.id, Code.INPUT_PARAM, 'too many requests in flight'));
    }
  }

  private close(link: TransportLink): void {
    const conn = this.connections.get(link);
    if (conn === undefined) return;
    this.forget(conn);
    this.endConnection(conn, 'link closed');
  }

  /**
   * Charges what the link read (messages, bytes) to its input budget, before parsing: false when the link is
   * closed for it. A link past its budget stops being read for a while (what it had already sent
   * is still handled); one that keeps at it is closed.
   */
  private withinBudget(conn: Connection, frames: number, bytes: number, now: number): boolean {
    const verdict = charge(conn, this.rates, frames, bytes, now);
    if (verdict.kind === 'ok') return true;
    const detail = { ip: conn.link.remoteAddress, loggedIn: conn.budgetLoggedIn };
    if (verdict.kind === 'pause') {
      this.refusals.note('input_paused', { ...detail, ms: verdict.ms });
      return true;
    }
    this.refusals.note('input_closed', detail);
    this.closeLink(conn, CloseCode.policy, 'too fast', true);
    return false;
  }

  /**
   * Closes a link for what its peer did; its session, if any, is detached as for any lost link.
   * A flooding peer is not read any more (`deaf`): its close frame will not come, it is cut.
   */
  private closeLink(conn: Connection, code: number, reason: string, deaf = false): void {
    if (deaf) conn.link.pause();
    conn.link.close(code, reason);
    this.forget(conn);
    this.endConnection(conn, reason);
  }

  private forget(conn: Connection): void {
    this.connections.delete(conn.link);
    this.unbound.delete(conn);
    if (conn.resumeTimer !== undefined) clearTimeout(conn.resumeTimer);
  }

  /**
   * After what the link had queued: its session is detached and waits out the grace period,
   * unseen by the other members (or ends now, with no grace or while the server closes).
   */
  private endConnection(conn: Connection, why: string): void {
    if (conn.closed) return;
    conn.closed = true;
    this.door.answered(conn, true);
    conn.enqueue(async () => {
      const session = conn.session;
      conn.session = undefined;
      if (session === undefined || session.ended || session.link !== conn.link) return;
      this.detach(session);
      if ((this.shuttingDown && !this.clustered) || this.ctx.options.sessionGraceMs === 0) {
        await endSession(this.ctx, session, 'expired');
      } else {
        this.ctx.log.debug({ session: session.id, why }, 'session detached');
      }
    }, true);
  }

  private async handle(conn: Connection, frame: ClientRequest): Promise<void> {
    if (conn.closed) return;
    const respond = new Reply(conn.link, frame.id);
    const shared = this.clustered;
    if (shared && needsBackend(frame) && !this.ctx.backend.ready()) {
      return this.comeBackLater(conn, 'backend not ready');
    }
    try {
      const session = liveSession(conn);
      // A resend already applied is answered again without being charged: the budget is
      // charged only where the request is applied (a refused one is not remembered as applied).
      const apply = async (r: Respond) => {
        if (this.withinRate(conn, session, frame, r)) await dispatch(this.ctx, conn, frame, r);
      };
      if (session !== undefined && isAppliedOnce(frame)) {
        await this.applied.once(session, frame, respond, apply);
      } else {
        await apply(respond);
      }
    } catch (error) {
      this.ctx.log.error({ err: error, request: frame.t }, 'request failed');
      // A cluster node that lost Redis mid-request: unanswered, the SDK sends it again after
      // resuming (with the same ID, so it is applied once), instead of failing it to the app.
      if (shared && !respond.sent && (isAppliedOnce(frame) || needsBackend(frame))) {
        respond.sent = true;
        return this.comeBackLater(conn, 'backend failed');
      }
    }
    if (!respond.sent) {
      this.ctx.log.error({ request: frame.t }, 'request left without a reply');
      respond.fail(Code.INTERNAL);
    }
    if (frame.t === 'login' || frame.t === 'resume') {
      this.door.answered(conn);
      // Before its reply reaches the peer, so its next message may already be a large one.
      if (conn.session !== undefined) conn.link.loggedIn?.();
    }
  }

  /** Charges the request to its sender's budget; beyond it, refused and nothing else happens. */
  private withinRate(
    conn: Connection,
    session: Session | undefined,
    frame: ClientRequest,
    respond: Respond,
  ): boolean {
    const member = session === undefined ? undefined : userKeyOf(session);
    const address = conn.link.remoteAddress;
    const refused = this.requestRates.charge(frame.t, { member, link: conn, address }, this.monoNow());
    if (refused === undefined) return true;
    this.refusals.note(refused.limit, member === undefined ? { ip: address } : { user: member, ip: address });
    respond.fail(refused.code);
    return false;
  }

  /** `bye` with a retry delay, then the link ends (its session, if any, is detached). */
  private comeBackLater(conn: Connection, why: string): void {
    conn.link.send(encodeFrame({ t: 'bye', code: Code.CONNECTION_INTERRUPTED, retryMs: BACKEND_RETRY_MS }));
    this.ctx.log.debug({ why }, 'link told to come back later');
    this.forget(conn);
    this.endConnection(conn, why);
    conn.link.close(CloseCode.tryAgainLater, 'try again later');
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
