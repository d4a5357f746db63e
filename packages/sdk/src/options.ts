// The engine's options: the contract's four (docs/api.md, "The SDK") plus the internals tests and embedders may
// inject. Every default lives in ENGINE_DEFAULTS.

import { Defaults } from '@atrium/protocol';
import { backoffPolicy, type ReconnectPolicy } from './backoff.js';
import { presetLogLevelOr } from './compat.js';
import { type OnlineEvents, realTimers, type Timers } from './link.js';
import { isLogLevel, type LogLevel, type LogSink } from './log.js';

export interface EngineOptions {
  /** How long a login keeps trying to reach a server before LOGIN_FAILED 1002053. @default 30000 */
  loginTimeoutMs?: number;
  /** How long a broken room keeps retrying before RECONNECT_FAILED 1002053. @default 300000 */
  reconnectWindowMs?: number;
  /** A WebSocket class. @default globalThis.WebSocket, else the `ws` package */
  WebSocket?: unknown;
  /** @default 'warn' (or what `presetLogConfig` set) */
  logLevel?: LogLevel;

  // ZEGO's constructor options (web: `scenario`; room engine: `ZegoInitOptions`), accepted and
  // ignored: a room service has no media scenario, geofence, reporting or cloud domain.
  scenario?: number;
  geoFenceType?: number;
  geoFenceAreaList?: number[];
  reportData?: { version?: string; project?: string };
  prefixDomain?: string;

  // Beyond the contract: injectable for tests and embedders.
  /** An attempt without `hello` by then has failed, until round trips are measured (then 20 round trips, at least 8 s, doubled per timeout in a row, never more). @default 10000 */
  connectTimeoutMs?: number;
  /**
   * A first login whose every server URL refuses the connection (nothing listening, no such
   * host) this many times round fails with LOGIN_FAILED 1002053 then, saying why, instead of at
   * the end of `loginTimeoutMs`; 0 keeps trying for the whole window. Reconnecting always keeps
   * trying for its whole window. @default 3
   */
  loginRefusedRounds?: number;
  /** How long a graceful close may take before the socket is cut. @default 1000 */
  closeGraceMs?: number;
  /** When to retry (LiveKit's ReconnectPolicy shape); default: backoff 250 ms → 5 s, jittered. */
  retryPolicy?: ReconnectPolicy;
  timers?: Timers;
  now?: () => number;
  /** Uniform in [0, 1): the default retry policy's jitter and where request ids start. */
  random?: () => number;
  /** Source of the browser `online` event; default `globalThis` where it has listeners, else none. */
  onlineEvents?: OnlineEvents | null;
  logSink?: LogSink;
}

export const ENGINE_DEFAULTS = {
  loginTimeoutMs: Defaults.loginTimeoutMs,
  reconnectWindowMs: Defaults.reconnectWindowMs,
  logLevel: 'warn' as LogLevel,
  connectTimeoutMs: 10_000,
  loginRefusedRounds: 3,
  closeGraceMs: 1_000,
  timers: realTimers,
  now: (): number => Date.now(),
  random: (): number => Math.random(),
};

export interface ResolvedOptions {
  loginTimeoutMs: number;
  reconnectWindowMs: number;
  webSocket: unknown;
  logLevel: LogLevel;
  connectTimeoutMs: number;
  loginRefusedRounds: number;
  closeGraceMs: number;
  retryPolicy: ReconnectPolicy;
  timers: Timers;
  now: () => number;
  random: () => number;
  onlineEvents: OnlineEvents | null;
  logSink: LogSink | undefined;
}

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function browserOnlineEvents(): OnlineEvents | null {
  const g = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
  return typeof g.addEventListener === 'function' && typeof g.removeEventListener === 'function'
    ? (g as unknown as OnlineEvents)
    : null;
}

export function resolveOptions(options: EngineOptions = {}): ResolvedOptions {
  const d = ENGINE_DEFAULTS;
  return {
    loginTimeoutMs: positive(options.loginTimeoutMs, d.loginTimeoutMs),
    reconnectWindowMs: positive(options.reconnectWindowMs, d.reconnectWindowMs),
    webSocket: options.WebSocket,
    // `ZegoExpressEngine.presetLogConfig` sets the level of engines that name none.
    logLevel: isLogLevel(options.logLevel) ? options.logLevel : presetLogLevelOr(d.logLevel),
    connectTimeoutMs: positive(options.connectTimeoutMs, d.connectTimeoutMs),
    loginRefusedRounds:
      Number.isSafeInteger(options.loginRefusedRounds) && (options.loginRefusedRounds as number) >= 0
        ? (options.loginRefusedRounds as number)
        : d.loginRefusedRounds,
    closeGraceMs: positive(options.closeGraceMs, d.closeGraceMs),
    retryPolicy: options.retryPolicy ?? backoffPolicy({ random: options.random ?? d.random }),
    timers: options.timers ?? d.timers,
    now: options.now ?? d.now,
    random: options.random ?? d.random,
    onlineEvents: options.onlineEvents === undefined ? browserOnlineEvents() : options.onlineEvents,
    logSink: options.logSink,
  };
}

/** The server URLs: one or more ws:// or wss:// URLs; anything else is the caller's bug. */
export function serverUrls(server: unknown): string[] {
  const list = Array.isArray(server) ? server : [server];
  const urls = list.filter((u): u is string => typeof u === 'string' && /^wss?:\/\/./i.test(u));
  if (urls.length === 0 || urls.length !== list.length) {
    throw new TypeError('RoomEngine: server must be a ws:// or wss:// URL, or a non-empty list of them');
  }
  return urls;
}
