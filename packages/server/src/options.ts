// The options of `createRoomServer`: the contract's fields (SPEC §8, api.d.ts) plus a few of
// our own, all optional but `apps`. Defaults live in one object; validation names the field.

import { checkAppID, Defaults, Limits } from '@atrium/protocol';
import type { Backend } from './backend/backend.js';

export interface AppCredentials {
  appID: number;
  /** 32 characters: the AES-256 key of the app's Token04 tokens. */
  serverSecret: string;
}

export type DuplicateLoginPolicy = 'kick-old' | 'reject-new';

/** Webhooks to the business backend (docs/operations.md, "Webhooks"). */
export interface WebhookOptions {
  /** The http(s) URL events are POSTed to. */
  url: string;
  /** Signs each event (TOKEN04.md, "Webhook signature"). */
  secret: string;
  /** The delay before each retry; its length is the number of retries. Default ZEGO's 2, 4, 8, 16, 32 s. */
  retryDelaysMs?: number[];
  /** One attempt's deadline. Default 5000. */
  timeoutMs?: number;
  /** Events waiting (in flight included) beyond which new ones are dropped. Default 10000. */
  maxQueued?: number;
  /**
   * Events one room may have waiting (in flight included); beyond it that room's new events are
   * dropped, whatever room else is quiet. In cluster mode, the bound of each room's queue in Redis.
   * Default 1000.
   */
  maxQueuedPerRoom?: number;
  /** Requests in flight at once; each room has at most one. Default 16. */
  maxConcurrent?: number;
  /** On close, how long queued events may still be delivered before the rest is dropped. Default 2000. */
  drainOnCloseMs?: number;
}

export type ResolvedWebhook = Required<WebhookOptions>;

export const WEBHOOK_DEFAULTS = {
  retryDelaysMs: [2000, 4000, 8000, 16000, 32000],
  timeoutMs: 5000,
  maxQueued: 10_000,
  maxQueuedPerRoom: 1000,
  maxConcurrent: 16,
  drainOnCloseMs: 2000,
} as const;

export interface RoomServerOptions {
  apps: AppCredentials[];
  /** Default 8800; 0 picks a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Cluster mode (SPEC §9): the Redis every node shares, `redis://…` or `rediss://…`. */
  redis?: string;
  /** A link silent for 2 × this is dead. Default 5000. */
  heartbeatIntervalMs?: number;
  /** How long a broken session is kept for resume before its member is removed. Default 30000. */
  sessionGraceMs?: number;
  /**
   * How long a session's kicks are remembered after its end, so a client kicked while away that
   * comes back later than the grace period learns its kick instead of logging in afresh (and
   * kicking the winner). Default: the SDK's reconnect window, 300000; never less than
   * sessionGraceMs.
   */
  kickMemoryMs?: number;
  /**
   * Cluster mode: a node's lease in Redis lives this long unrenewed (renewed every third of it);
   * a dead node's members are removed once its lease lapsed and the grace period passed. Default 5000.
   */
  leaseTtlMs?: number;
  /** The multi-room limit. Default 5. */
  maxRoomsPerUser?: number;
  /** Default 'kick-old'. */
  duplicateLogin?: DuplicateLoginPolicy;
  /** Kick sessions whose token expires unrenewed (KICKOUT, Code.TOKEN_EXPIRED). Default false. */
  kickOnTokenExpiry?: boolean;
  /** Webhooks to the business backend: `{ url, secret }` and delivery knobs. */
  webhook?: WebhookOptions;
  /** pino level or 'silent'. Default 'info'. */
  logLevel?: string;

  // ---------------------------------------------------------------- Atrium's own

  /** `count` frames at most this often per room while the count changes. Default 30000. */
  onlineCountIntervalMs?: number;
  /**
   * The largest broadcast, barrage, custom command or transparent message content, in bytes
   * (1009013 for messages, 1009002 for commands beyond it). Default 1024, ZEGO's documented limit.
   */
  messageMaxBytes?: number;
  /** Room extra info limits (SPEC §2): keys per room, key and value sizes. */
  roomExtraMaxKeys?: number;
  roomExtraKeyMaxBytes?: number;
  roomExtraValueMaxBytes?: number;
  /** Sequenced events kept per room for replay on resume. Default 1024. */
  historyMaxEvents?: number;
  /** WebSocket messages above this close the link (the protocol refuses frames above 64 KiB politely). */
  maxPayloadBytes?: number;
  /** A link whose unsent bytes exceed this is closed as too slow. Default 8 MiB. */
  linkMaxBufferedBytes?: number;
  /** The demo page's files. Default: apps/demo/dist of this repository, when built. */
  staticDir?: string;
  /** Serves `GET /dev/token` for the first app. Default false (the CLI turns it on without a config). */
  devMode?: boolean;
  /** Admin API requests per second per app (a token bucket holding one second's worth). Default 100. */
  adminRateLimitPerSec?: number;
  /** Admin API requests per second per source address, whatever the app. Default 100. */
  adminRateLimitPerSourcePerSec?: number;
  /** Development mode on a host other than loopback (`--dev-expose`). Default false: refused. */
  devExpose?: boolean;
  /**
   * Host names (no port) development mode's endpoints answer besides loopback names — and, when
   * exposed, IP addresses (`--dev-allowed-hosts`). Default none: any other name is refused, so
   * a site re-pointing its own name at this server (DNS rebinding) cannot use them.
   */
  devAllowedHosts?: string[];
  /**
   * Accept legacy Token04 tokens encrypted with AES-CBC (unauthenticated: their bits can be
   * flipped). Default true, as ZEGO does; false accepts only AES-GCM tokens.
   */
  acceptCbcTokens?: boolean;
  /** Serve /metrics, /healthz and /readyz on a listener of their own at this port (0: a free one). */
  metricsPort?: number;
  /** The metrics listener's address. Default '127.0.0.1'. */
  metricsHost?: string;
  /** Also export Node's process metrics (CPU, memory, event loop, GC) on /metrics. Default false. */
  processMetrics?: boolean;
  /** Where the JSON log lines go. Default stdout. */
  logStream?: { write(line: string): unknown };
  /** Wall clock in ms; tests move it to expire tokens. Default Date.now. */
  now?: () => number;
  /** A backend to use instead of a fresh in-memory one; the server does not close it. */
  backend?: Backend;
}

export const SERVER_DEFAULTS = {
  port: Defaults.port,
  host: Defaults.host,
  heartbeatIntervalMs: Defaults.heartbeatIntervalMs,
  sessionGraceMs: Defaults.sessionGraceMs,
  kickMemoryMs: Defaults.reconnectWindowMs,
  leaseTtlMs: 5000,
  maxRoomsPerUser: Defaults.maxRoomsPerUser,
  duplicateLogin: 'kick-old' as DuplicateLoginPolicy,
  kickOnTokenExpiry: false,
  logLevel: 'info',
  onlineCountIntervalMs: Defaults.onlineCountIntervalMs,
  messageMaxBytes: Limits.messageMaxBytes,
  roomExtraMaxKeys: Limits.extraMaxKeys,
  roomExtraKeyMaxBytes: Limits.extraKeyMaxBytes,
  roomExtraValueMaxBytes: Limits.extraValueMaxBytes,
  historyMaxEvents: 1024,
  maxPayloadBytes: 16 * Limits.frameMaxBytes,
  linkMaxBufferedBytes: 8 * 1024 * 1024,
  devMode: false,
  adminRateLimitPerSec: 100,
  processMetrics: false,
  adminRateLimitPerSourcePerSec: 100,
  devExpose: false,
  acceptCbcTokens: true,
  metricsHost: '127.0.0.1',
} as const;

/** Options after defaults: what the rest of the server reads. */
export interface ResolvedOptions
  extends Required<
    Omit<
      RoomServerOptions,
      'redis' | 'webhook' | 'staticDir' | 'backend' | 'now' | 'logStream' | 'metricsPort'
    >
  > {
  metricsPort: number | undefined;
  webhook: ResolvedWebhook | undefined;
  redis: string | undefined;
  logStream: RoomServerOptions['logStream'];
  staticDir: string | undefined;
  backend: Backend | undefined;
  now: () => number;
}

export class OptionsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`RoomServerOptions.${field} ${message}`);
    this.name = 'OptionsError';
  }
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const SECRET_LENGTH = 32;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The object's own enumerable fields, on no prototype: what checkOptionNames looked at is all
 * that is read, so a polluted Object.prototype (`devMode`, `apps`…) cannot change an option.
 */
function ownFields(v: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, v);
}

function intField(
  o: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  prefix = '',
): number | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) {
    throw new OptionsError(`${prefix}${field}`, `must be an integer from ${min} to ${max}`);
  }
  return v as number;
}

function validateApps(apps: unknown): AppCredentials[] {
  if (!Array.isArray(apps) || apps.length === 0) throw new OptionsError('apps', 'must be a non-empty array');
  const seen = new Set<number>();
  return apps.map((given: unknown, i) => {
    if (!isRecord(given)) throw new OptionsError(`apps[${i}]`, 'must be { appID, serverSecret }');
    const app = ownFields(given);
    if (checkAppID(app.appID) !== 0) {
      throw new OptionsError(`apps[${i}].appID`, 'must be an integer from 1 to 4294967295');
    }
    const appID = app.appID as number;
    if (seen.has(appID)) throw new OptionsError(`apps[${i}].appID`, `repeats ${appID}`);
    seen.add(appID);
    if (typeof app.serverSecret !== 'string' || app.serverSecret.length !== SECRET_LENGTH) {
      throw new OptionsError(`apps[${i}].serverSecret`, `must be a ${SECRET_LENGTH}-character string`);
    }
    return { appID, serverSecret: app.serverSecret };
  });
}

/** Applies the defaults; throws an OptionsError naming the first bad field. */
export function resolveOptions(input: RoomServerOptions): ResolvedOptions {
  if (!isRecord(input)) throw new OptionsError('apps', 'is required (options must be an object)');
  const o = ownFields(input as unknown as Record<string, unknown>);
  const apps = validateApps(o.apps);
  const d = SERVER_DEFAULTS;
  const bool = (field: string, fallback: boolean): boolean => {
    const v = o[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new OptionsError(field, 'must be a boolean');
    return v;
  };
  const str = (field: string): string | undefined => {
    const v = o[field];
    if (v !== undefined && (typeof v !== 'string' || v === '')) {
      throw new OptionsError(field, 'must be a non-empty string');
    }
    return v as string | undefined;
  };
  const duplicateLogin = o.duplicateLogin ?? d.duplicateLogin;
  if (duplicateLogin !== 'kick-old' && duplicateLogin !== 'reject-new') {
    throw new OptionsError('duplicateLogin', "must be 'kick-old' or 'reject-new'");
  }
  const logLevel = o.logLevel ?? d.logLevel;
  if (typeof logLevel !== 'string' || !LOG_LEVELS.has(logLevel)) {
    throw new OptionsError('logLevel', `must be one of ${[...LOG_LEVELS].join(', ')}`);
  }
  const webhook = o.webhook === undefined ? undefined : resolveWebhook(o.webhook);
  const logStream = o.logStream;
  if (logStream !== undefined && (!isRecord(logStream) || typeof logStream.write !== 'function')) {
    throw new OptionsError('logStream', 'must have a write(line) method');
  }
  if (o.now !== undefined && typeof o.now !== 'function') throw new OptionsError('now', 'must be a function');
  if (o.backend !== undefined && !isRecord(o.backend)) throw new OptionsError('backend', 'must be a Backend');
  const redis = str('redis');
  const redisUrls = redis?.split(',').map((u) => u.trim()) ?? [];
  if (redisUrls.some((u) => !/^rediss?:\/\/[^/]/.test(u) || !URL.canParse(u))) {
    throw new OptionsError(
      'redis',
      'must be a redis:// or rediss:// URL (comma-separated for a Redis Cluster)',
    );
  }
  if (redis !== undefined && o.backend !== undefined) {
    throw new OptionsError('redis', 'cannot be combined with backend (the server would not use it)');
  }
  const day = 86_400_000;
  return {
    apps,
    port: intField(o, 'port', 0, 65535) ?? d.port,
    host: str('host') ?? d.host,
    heartbeatIntervalMs: intField(o, 'heartbeatIntervalMs', 20, day) ?? d.heartbeatIntervalMs,
    sessionGraceMs: intField(o, 'sessionGraceMs', 0, day) ?? d.sessionGraceMs,
    kickMemoryMs: Math.max(
      intField(o, 'kickMemoryMs', 0, day) ?? d.kickMemoryMs,
      intField(o, 'sessionGraceMs', 0, day) ?? d.sessionGraceMs,
    ),
    leaseTtlMs: intField(o, 'leaseTtlMs', 150, day) ?? d.leaseTtlMs,
    maxRoomsPerUser: intField(o, 'maxRoomsPerUser', 1, 1000) ?? d.maxRoomsPerUser,
    duplicateLogin,
    kickOnTokenExpiry: bool('kickOnTokenExpiry', d.kickOnTokenExpiry),
    webhook,
    redis,
    logLevel,
    onlineCountIntervalMs: intField(o, 'onlineCountIntervalMs', 10, day) ?? d.onlineCountIntervalMs,
    // Base64 of a transparent message this large still fits in one protocol frame.
    messageMaxBytes: intField(o, 'messageMaxBytes', 1, 32 * 1024) ?? d.messageMaxBytes,
    roomExtraMaxKeys: intField(o, 'roomExtraMaxKeys', 1, 1000) ?? d.roomExtraMaxKeys,
    roomExtraKeyMaxBytes: intField(o, 'roomExtraKeyMaxBytes', 1, 1024) ?? d.roomExtraKeyMaxBytes,
    roomExtraValueMaxBytes: intField(o, 'roomExtraValueMaxBytes', 1, 60_000) ?? d.roomExtraValueMaxBytes,
    historyMaxEvents: intField(o, 'historyMaxEvents', 0, 1_000_000) ?? d.historyMaxEvents,
    maxPayloadBytes:
      intField(o, 'maxPayloadBytes', Limits.frameMaxBytes + 1, 64 * 1024 * 1024) ?? d.maxPayloadBytes,
    linkMaxBufferedBytes:
      intField(o, 'linkMaxBufferedBytes', 1024, 1024 * 1024 * 1024) ?? d.linkMaxBufferedBytes,
    staticDir: str('staticDir'),
    devMode: bool('devMode', d.devMode),
    adminRateLimitPerSec: intField(o, 'adminRateLimitPerSec', 1, 1_000_000) ?? d.adminRateLimitPerSec,
    processMetrics: bool('processMetrics', d.processMetrics),
    ...resolveEdgeOptions(o),
    logStream: logStream as RoomServerOptions['logStream'],
    now: (o.now as (() => number) | undefined) ?? Date.now,
    backend: o.backend as Backend | undefined,
  };
}

function resolveWebhook(given: unknown): ResolvedWebhook {
  if (!isRecord(given)) throw new OptionsError('webhook', 'must be { url, secret }');
  const w = ownFields(given);
  if (typeof w.url !== 'string' || !/^https?:\/\/[^/]/.test(w.url) || !URL.canParse(w.url)) {
    throw new OptionsError('webhook.url', 'must be an http:// or https:// URL');
  }
  // Sent as Authorization: Basic once decoded: a bad escape would fail every start, unexplained.
  const { username, password } = new URL(w.url);
  if (!decodable(username) || !decodable(password)) {
    throw new OptionsError(
      'webhook.url',
      'has a user name or password that is not valid percent-encoding (write % as %25)',
    );
  }
  if (typeof w.secret !== 'string' || w.secret === '') {
    throw new OptionsError('webhook.secret', 'must be a non-empty string');
  }
  const d = WEBHOOK_DEFAULTS;
  const day = 86_400_000;
  let retryDelaysMs: number[] = [...d.retryDelaysMs];
  if (w.retryDelaysMs !== undefined) {
    const delays = w.retryDelaysMs;
    if (
      !Array.isArray(delays) ||
      delays.length > 20 ||
      !delays.every((ms) => Number.isSafeInteger(ms) && ms >= 0 && ms <= day)
    ) {
      throw new OptionsError(
        'webhook.retryDelaysMs',
        'must be an array of at most 20 delays, each 0 to 86400000 ms',
      );
    }
    retryDelaysMs = [...(delays as number[])];
  }
  return {
    url: w.url,
    secret: w.secret,
    retryDelaysMs,
    timeoutMs: intField(w, 'timeoutMs', 1, 600_000, 'webhook.') ?? d.timeoutMs,
    maxQueued: intField(w, 'maxQueued', 1, 10_000_000, 'webhook.') ?? d.maxQueued,
    maxQueuedPerRoom: intField(w, 'maxQueuedPerRoom', 1, 10_000_000, 'webhook.') ?? d.maxQueuedPerRoom,
    maxConcurrent: intField(w, 'maxConcurrent', 1, 1000, 'webhook.') ?? d.maxConcurrent,
    drainOnCloseMs: intField(w, 'drainOnCloseMs', 0, 600_000, 'webhook.') ?? d.drainOnCloseMs,
  };
}

function decodable(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** The options guarding the server's edges: development mode, admin limits, tokens, metrics. */
function resolveEdgeOptions(o: Record<string, unknown>) {
  const d = SERVER_DEFAULTS;
  const bool = (field: string, fallback: boolean): boolean => {
    const v = o[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new OptionsError(field, 'must be a boolean');
    return v;
  };
  const metricsHost = o.metricsHost ?? d.metricsHost;
  if (typeof metricsHost !== 'string' || metricsHost === '') {
    throw new OptionsError('metricsHost', 'must be a non-empty string');
  }
  const allowed = o.devAllowedHosts ?? [];
  if (
    !Array.isArray(allowed) ||
    allowed.length > 100 ||
    !allowed.every((h) => typeof h === 'string' && /^[a-z0-9]([a-z0-9.-]{0,252})$/i.test(h))
  ) {
    throw new OptionsError(
      'devAllowedHosts',
      'must be an array of at most 100 host names, without port or scheme (e.g. ["atrium.lan"])',
    );
  }
  const metricsPort = intField(o, 'metricsPort', 0, 65535);
  if (o.metricsHost !== undefined && metricsPort === undefined) {
    throw new OptionsError(
      'metricsHost',
      'is set without metricsPort: there is no metrics listener, and /metrics stays on the public one',
    );
  }
  return {
    adminRateLimitPerSourcePerSec:
      intField(o, 'adminRateLimitPerSourcePerSec', 1, 1_000_000) ?? d.adminRateLimitPerSourcePerSec,
    devExpose: bool('devExpose', d.devExpose),
    devAllowedHosts: (allowed as string[]).map((h) => h.toLowerCase()),
    acceptCbcTokens: bool('acceptCbcTokens', d.acceptCbcTokens),
    metricsPort,
    metricsHost,
  };
}
