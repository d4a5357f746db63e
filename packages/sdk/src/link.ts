// The engine's one socket to the server (docs/protocol.md): connect, rotating through the URLs;
// wait for `hello`; keep the application heartbeat; declare the link dead when no frame at all
// arrived for 2 × hb; retry with the injected policy while the engine wants a link. Every socket
// gets a generation number, so callbacks of a socket already given up are dropped.

import {
  type ClientFrame,
  CloseCode,
  Defaults,
  decodeServerFrame,
  encodeFrame,
  type ServerFrame,
} from '@atrium/protocol';
import { nextDelayMs, type ReconnectPolicy } from './backoff.js';
import { failureOfClose, failureOfError, failureOfTimeout, isRefusal, type LinkFailure } from './failure.js';
import type { Logger } from './log.js';
import { type NetworkMode, resolveWebSocket, SimulatedNetwork, type SocketLike } from './socket.js';

export type { NetworkMode } from './socket.js';

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/** Where the browser's `online` event comes from (`window`); null where there is none. */
export interface OnlineEvents {
  addEventListener(type: 'online', listener: () => void): void;
  removeEventListener(type: 'online', listener: () => void): void;
}

export interface LinkOptions {
  readonly urls: readonly string[];
  /** A WebSocket class, or undefined for `globalThis.WebSocket`, else the `ws` package. */
  readonly webSocket: unknown;
  readonly timers: Timers;
  readonly now: () => number;
  readonly retryPolicy: ReconnectPolicy;
  /** An attempt that has not produced `hello` by then has failed. */
  readonly connectTimeoutMs: number;
  /** How long a graceful close may take before the socket is cut. */
  readonly closeGraceMs: number;
  readonly onlineEvents: OnlineEvents | null;
  readonly log: Logger;
  /**
   * What the next link is for, told to the server in the URL (`?intent=`): under a reconnect
   * storm it turns away returning members for a while, but lets a fresh login in at once.
   */
  readonly intent?: () => 'login' | 'resume';
}

export interface LinkHandlers {
  /** `hello` arrived on a fresh socket: the link is up. */
  onOpen(hbMs: number): void;
  /** Any frame after `hello`, except `pong` and `bye`, which the link handles itself. */
  onFrame(frame: ServerFrame): void;
  /** An open link broke: closed, failed, went silent, or was told `bye`. It is already retrying. */
  onDown(reason: string): void;
  /** The retry policy returned null: the link stopped for good. */
  onGiveUp(): void;
  /**
   * An attempt failed before `hello`; `refusedInARow` counts the attempts in a row, since the
   * link was last up, that found nothing listening (refused, no such host). The retry is already
   * scheduled; the handler may stop the link.
   */
  onAttemptFailed?(failure: LinkFailure, refusedInARow: number): void;
}

type Phase = 'stopped' | 'connecting' | 'open' | 'waiting';

/** `url` with `intent=` added to its query (kept as it is when there is no intent). */
export function withIntent(url: string, intent: 'login' | 'resume' | undefined): string {
  if (intent === undefined) return url;
  const hash = url.indexOf('#');
  const base = hash < 0 ? url : url.slice(0, hash);
  return `${base}${base.includes('?') ? '&' : '?'}intent=${intent}${hash < 0 ? '' : url.slice(hash)}`;
}

/**
 * An attempt is given at least this long once round trips are known: a server in a reconnect
 * storm may take seconds to reach a link, and an attempt given up sooner is work it does for
 * nobody (and one more attempt on top)…
 */
const CONNECT_TIMEOUT_FLOOR_MS = 8_000;
/** …or this many measured round trips, whichever is longer. */
const CONNECT_TIMEOUT_RTTS = 20;

const OPEN = 1;

export class Link {
  private phase: Phase = 'stopped';
  private generation = 0;
  private socket: SocketLike | null = null;
  private urlIndex = 0;
  private retryCount = 0;
  private troubleSince = 0;
  private retryAfterMs = 0;
  private hbMs: number = Defaults.heartbeatIntervalMs;
  private lastFrameAt = 0;
  private connectTimer: unknown;
  private retryTimer: unknown;
  private pingTimer: unknown;
  private silenceTimer: unknown;
  private pingsSent = 0;
  private pongsSeen = 0;
  /** When the latest ping went out, and the smoothed round trip its pongs measured. */
  private pingSentAt = 0;
  private srttMs: number | undefined;
  /** Attempts in a row that timed out: each doubles the next one's patience. */
  private timeoutsInARow = 0;
  /** Attempts in a row, since the link was last up, that found nothing listening. */
  private refusedInARow = 0;
  private failure: LinkFailure | undefined;
  /** The URL of the current (or last) attempt. */
  private url = '';
  private barriers: { afterPong: number; callback: () => void }[] = [];
  private readonly closing = new Map<SocketLike, unknown>();
  private readonly onOnline = () => this.retryNow('online');
  /** Installed by the first `simulateNetwork`; until then sockets are bare. */
  private network: SimulatedNetwork | undefined;

  constructor(
    private readonly options: LinkOptions,
    private readonly handlers: LinkHandlers,
  ) {}

  get isOpen(): boolean {
    return this.phase === 'open';
  }

  get isStopped(): boolean {
    return this.phase === 'stopped';
  }

  /** Why the last attempt failed, or the open link broke: for extendedData and the log. */
  get lastFailure(): LinkFailure | undefined {
    return this.failure;
  }

  /** Start connecting unless a link is already up or under way. */
  start(): void {
    if (this.phase !== 'stopped') return;
    this.troubleSince = this.options.now();
    this.retryCount = 0;
    this.options.onlineEvents?.addEventListener('online', this.onOnline);
    this.connect();
  }

  /** Close the link (gracefully: what was sent is flushed) and stop retrying. */
  stop(): void {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    this.generation++;
    this.clearTimers();
    this.dropSocket(true);
    this.options.onlineEvents?.removeEventListener('online', this.onOnline);
  }

  send(frame: ClientFrame): boolean {
    if (this.phase !== 'open' || this.socket === null) return false;
    try {
      this.socket.send(encodeFrame(frame));
      return true;
    } catch (err) {
      this.options.log.warn('send failed', err);
      return false;
    }
  }

  /**
   * Calls back once the server has answered a ping sent now. The server handles frames in order,
   * so everything it wrote before that pong (a resume's replay, say) has been received by then.
   */
  barrier(callback: () => void): boolean {
    if (!this.sendPing()) return false;
    this.barriers.push({ afterPong: this.pingsSent, callback });
    return true;
  }

  private connect(): void {
    const generation = ++this.generation;
    this.phase = 'connecting';
    const url = withIntent(this.nextUrl(), this.options.intent?.());
    this.url = url;
    const timeoutMs = this.connectTimeoutMs();
    this.options.log.debug(`connecting to ${url} (giving up after ${timeoutMs} ms)`);
    this.connectTimer = this.options.timers.setTimeout(() => {
      this.timeoutsInARow++;
      this.attemptFailed(generation, failureOfTimeout(url, timeoutMs));
    }, timeoutMs);
    resolveWebSocket(this.options.webSocket).then(
      (BareSocket) => {
        if (generation !== this.generation) return;
        const SocketClass = this.network?.wrap(BareSocket) ?? BareSocket;
        let socket: SocketLike;
        try {
          socket = new SocketClass(url);
        } catch (err) {
          this.fail(generation, `cannot open ${url}: ${String(err)}`);
          return;
        }
        this.socket = socket;
        // Handlers stay attached for the socket's life: `ws` throws on an unhandled 'error'.
        socket.onmessage = (event) => this.onMessage(generation, event.data);
        socket.onerror = (event) => this.attemptFailed(generation, failureOfError(event, url));
        socket.onclose = (event) => {
          this.closed(socket);
          if (this.phase === 'connecting') this.attemptFailed(generation, failureOfClose(event.code, url));
          else this.fail(generation, `closed by ${url} (${event.code ?? '?'})`);
        };
      },
      (err: unknown) => {
        this.options.log.error('no WebSocket implementation available', err);
        this.fail(generation, 'no WebSocket implementation');
      },
    );
  }

  /**
   * How long an attempt may take to produce `hello`. Before any round trip was measured, the
   * configured `connectTimeoutMs`; after, a multiple of the measured round trip (so a dead attempt
   * on a fast network is dropped in seconds, not ten), doubled for each attempt in a row that timed
   * out (so a slow server is given the time it needs), never above `connectTimeoutMs`.
   */
  private connectTimeoutMs(): number {
    const { connectTimeoutMs } = this.options;
    if (this.srttMs === undefined) return connectTimeoutMs;
    const base = Math.max(CONNECT_TIMEOUT_FLOOR_MS, CONNECT_TIMEOUT_RTTS * this.srttMs);
    return Math.min(connectTimeoutMs, base * 2 ** Math.min(this.timeoutsInARow, 10));
  }

  private nextUrl(): string {
    const { urls } = this.options;
    const url = urls[this.urlIndex % urls.length] ?? '';
    this.urlIndex++;
    return url;
  }

  private onMessage(generation: number, data: unknown): void {
    if (generation !== this.generation) return;
    this.lastFrameAt = this.options.now();
    if (typeof data !== 'string') {
      this.options.log.debug('ignored a binary frame');
      return;
    }
    const decoded = decodeServerFrame(data);
    if (!decoded.ok) {
      this.options.log.warn(`ignored a frame: ${decoded.msg}`);
      return;
    }
    const frame = decoded.frame;
    if (frame.t === 'bye') {
      this.onBye(generation, frame.code, frame.retryMs);
    } else if (this.phase === 'connecting') {
      if (frame.t === 'hello') this.opened(generation, frame.hb);
    } else if (frame.t === 'pong') {
      this.pongsSeen++;
      if (this.pongsSeen === this.pingsSent) this.measured(this.options.now() - this.pingSentAt);
      const due = this.barriers.filter((b) => b.afterPong <= this.pongsSeen);
      this.barriers = this.barriers.filter((b) => b.afterPong > this.pongsSeen);
      for (const b of due) b.callback();
    } else if (frame.t !== 'hello') {
      this.handlers.onFrame(frame);
    }
  }

  private opened(generation: number, hb: unknown): void {
    this.options.timers.clearTimeout(this.connectTimer);
    this.phase = 'open';
    this.timeoutsInARow = 0;
    this.refusedInARow = 0;
    this.hbMs = typeof hb === 'number' && Number.isFinite(hb) && hb > 0 ? hb : Defaults.heartbeatIntervalMs;
    this.retryCount = 0;
    this.pingsSent = 0;
    this.pongsSeen = 0;
    this.barriers = [];
    this.pingTimer = this.options.timers.setTimeout(() => this.heartbeat(generation), this.hbMs);
    this.silenceTimer = this.options.timers.setTimeout(() => this.checkSilence(generation), 2 * this.hbMs);
    this.options.log.debug(`link up, heartbeat ${this.hbMs} ms`);
    this.handlers.onOpen(this.hbMs);
  }

  private sendPing(): boolean {
    if (!this.send({ t: 'ping' })) return false;
    this.pingsSent++;
    this.pingSentAt = this.options.now();
    return true;
  }

  /** One round-trip sample (TCP's smoothing: 7/8 of the old estimate, 1/8 of the new sample). */
  private measured(sampleMs: number): void {
    if (!Number.isFinite(sampleMs) || sampleMs < 0) return;
    this.srttMs = this.srttMs === undefined ? sampleMs : (7 * this.srttMs + sampleMs) / 8;
  }

  private heartbeat(generation: number): void {
    if (generation !== this.generation) return;
    this.sendPing();
    this.pingTimer = this.options.timers.setTimeout(() => this.heartbeat(generation), this.hbMs);
  }

  /** Silence counts, not just closes: a link can stop carrying bytes without ever closing. */
  private checkSilence(generation: number): void {
    if (generation !== this.generation) return;
    const quietMs = this.options.now() - this.lastFrameAt;
    const limitMs = 2 * this.hbMs;
    if (quietMs >= limitMs) {
      this.fail(generation, `no frame for ${quietMs} ms`);
      return;
    }
    this.silenceTimer = this.options.timers.setTimeout(
      () => this.checkSilence(generation),
      limitMs - quietMs,
    );
  }

  private onBye(generation: number, code: unknown, retryMs: unknown): void {
    if (typeof retryMs === 'number' && Number.isFinite(retryMs) && retryMs > 0) this.retryAfterMs = retryMs;
    this.fail(generation, `server said bye (${String(code)})`);
  }

  /** An attempt failed before `hello`: say why, count refusals, retry (and tell the session). */
  private attemptFailed(generation: number, failure: LinkFailure): void {
    if (generation !== this.generation || this.phase !== 'connecting') return;
    this.refusedInARow = isRefusal(failure) ? this.refusedInARow + 1 : 0;
    this.fail(generation, failure.text, failure);
    this.handlers.onAttemptFailed?.(failure, this.refusedInARow);
  }

  /** The current socket failed, before or after `hello`: drop it and retry. */
  private fail(generation: number, reason: string, failure?: LinkFailure): void {
    if (generation !== this.generation || this.phase === 'stopped' || this.phase === 'waiting') return;
    const wasOpen = this.phase === 'open';
    this.failure = failure ?? { kind: 'closed', url: this.url, text: reason };
    this.options.log.info(`link ${wasOpen ? 'lost' : 'attempt failed'}: ${reason}`);
    this.generation++;
    this.clearTimers();
    this.dropSocket(false);
    this.phase = 'waiting';
    if (wasOpen) {
      this.troubleSince = this.options.now();
      this.retryCount = 0;
      const before = this.generation;
      this.handlers.onDown(reason);
      // The engine may have stopped (or restarted) the link from onDown.
      if (this.phase !== 'waiting' || this.generation !== before) return;
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const { urls, retryPolicy, log } = this.options;
    let delayMs: number | null;
    try {
      delayMs = retryPolicy.nextRetryDelayInMs({
        retryCount: this.retryCount,
        elapsedMs: this.options.now() - this.troubleSince,
        serverUrl: urls[this.urlIndex % urls.length] ?? '',
      });
    } catch (err) {
      log.error('the retry policy threw; retrying with the default backoff', err);
      delayMs = nextDelayMs(this.retryCount, Defaults.backoffMinMs, Defaults.backoffMaxMs, 0.5);
    }
    if (delayMs === null) {
      log.warn('the retry policy gave up');
      this.stop();
      this.handlers.onGiveUp();
      return;
    }
    // A server under load asked for a pause (`bye` with retryMs): honour it.
    const waitMs = Math.max(0, delayMs, this.retryAfterMs);
    this.retryAfterMs = 0;
    this.retryCount++;
    log.debug(`retry ${this.retryCount} in ${waitMs} ms`);
    this.retryTimer = this.options.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.phase === 'waiting') this.connect();
    }, waitMs);
  }

  /**
   * Fault injection for demos and manual testing (socket.ts, SimulatedNetwork): 'down' cuts the
   * link and refuses new ones, 'silent' keeps sockets open but loses every frame both ways, 'up'
   * heals and retries at once. The first call puts the sockets, the open one too, behind it.
   */
  simulateNetwork(mode: NetworkMode): void {
    this.options.log.info(`simulated network: ${mode}`);
    if (this.network === undefined) {
      this.network = new SimulatedNetwork(this.options.timers);
      if (this.socket !== null) this.socket = this.network.adopt(this.socket);
    }
    this.network.mode = mode;
    if (mode === 'down' && (this.phase === 'open' || this.phase === 'connecting')) {
      this.fail(this.generation, 'network down (simulated)');
    } else if (mode === 'up') this.retryNow('network up (simulated)');
  }

  /**
   * The network came back (browser `online`): retry now instead of waiting out the backoff, and
   * abandon an attempt still hanging from before (its packets went nowhere; waiting for its
   * timeout would keep the app away for seconds on a network that already works).
   */
  private retryNow(why: string): void {
    if (this.phase !== 'waiting' && this.phase !== 'connecting') return;
    this.options.log.debug(`retrying now: ${why}`);
    if (this.phase === 'connecting') {
      this.generation++;
      this.dropSocket(false);
    }
    this.clearTimers();
    this.connect();
  }

  private clearTimers(): void {
    const { timers } = this.options;
    for (const handle of [this.connectTimer, this.retryTimer, this.pingTimer, this.silenceTimer]) {
      if (handle !== undefined) timers.clearTimeout(handle);
    }
    this.connectTimer = this.retryTimer = this.pingTimer = this.silenceTimer = undefined;
    this.barriers = [];
  }

  /**
   * Graceful: a close frame after what was sent, cut if the server does not answer in time.
   * Otherwise the link is dead anyway and waiting for a close handshake would only hang.
   */
  private dropSocket(graceful: boolean): void {
    const socket = this.socket;
    this.socket = null;
    if (socket === null) return;
    try {
      if (graceful && socket.readyState === OPEN) {
        socket.close(CloseCode.normal, 'bye');
        if (typeof socket.terminate === 'function') {
          const cut = this.options.timers.setTimeout(() => {
            this.closing.delete(socket);
            socket.terminate?.();
          }, this.options.closeGraceMs);
          this.closing.set(socket, cut);
        }
      } else if (typeof socket.terminate === 'function') socket.terminate();
      else socket.close();
    } catch (err) {
      this.options.log.debug('closing the socket threw', err);
    }
  }

  private closed(socket: SocketLike): void {
    const cut = this.closing.get(socket);
    if (cut === undefined) return;
    this.options.timers.clearTimeout(cut);
    this.closing.delete(socket);
  }
}
