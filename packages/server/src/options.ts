// The options of `createRoomServer`: the contract's fields (docs/contract.md, "Server options";
// contract/api.d.ts) plus a few of our own, all optional but `apps`. Each numeric option is one
// row of a `{ default, min, max }` table; validation names the field.

import { checkAppID, Defaults, Limits } from '@atrium/protocol';
import type { Backend } from './backend/backend.js';
import { QuotaDefaults, SharedDefaults } from './defaults.js';
import { type LimitOptions, resolveLimits } from './limits/options.js';
import { type RateOptions, resolveRates } from './limits/rates.js';
import {
  DAY_MS,
  defaultsOf,
  type Fields,
  type IntRule,
  intOf,
  intsOf,
  isRecord,
  OptionsError,
  ownFields,
} from './options-rules.js';
import { type ResolvedWebhook, resolveWebhook, type WebhookOptions } from './webhook-options.js';

export { OptionsError } from './options-rules.js';
export {
  type ResolvedWebhook,
  WEBHOOK_DEFAULTS,
  type WebhookOptions,
} from './webhook-options.js';

export interface AppCredentials {
  appID: number;
  /** 32 characters: the AES-256 key of the app's Token04 tokens. */
  serverSecret: string;
}

export type DuplicateLoginPolicy = 'kick-old' | 'reject-new';

export type LogFormat = 'json' | 'pretty';

/**
 * Limits against abusive peers (limits/options.ts) and the request rates per member, link and
 * address (limits/rates.ts: `rateMessagesPerSec`, `rateMessagesBurst`, …) are fields of the options too.
 */
export interface RoomServerOptions extends LimitOptions, RateOptions {
  /** The apps served, each with the secret its tokens are made with. Required, at least one. */
  apps: AppCredentials[];
  /** The port to listen on; 0 picks a free port. @default 8800 */
  port?: number;
  /** The address to listen on. @default '127.0.0.1' */
  host?: string;
  /**
   * Cluster mode (docs/contract.md, "Cluster mode"): the Redis every node shares, `redis://…`
   * or `rediss://…` (comma-separated seeds for a Redis Cluster).
   * @default undefined (one node, in memory)
   */
  redis?: string;
  /** A link silent for 2 × this is dead; sent to clients in `hello`. @default 5000 */
  heartbeatIntervalMs?: number;
  /** How long a broken session is kept for resume before its member is removed. @default 30000 */
  sessionGraceMs?: number;
  /**
   * How long a session's kicks are remembered after its end, so a client kicked while away that
   * comes back later than the grace period learns its kick instead of logging in afresh (and
   * kicking the winner). Never less than sessionGraceMs.
   * @default 300000 (the SDK's reconnect window)
   */
  kickMemoryMs?: number;
  /**
   * Cluster mode: a node's lease in Redis lives this long unrenewed (renewed every third of it);
   * a dead node's members are removed once its lease lapsed and the grace period passed.
   * @default 5000
   */
  leaseTtlMs?: number;
  /**
   * The multi-room limit: rooms one user (appID, userID) may be in at once, over all its
   * sessions and nodes (1002037 beyond). @default 5
   */
  maxRoomsPerUser?: number;
  /**
   * Streams one user may have listed in one room (publishing, or published for by the admin
   * API); a new one beyond is refused with 1003060. @default 16
   */
  maxStreamsPerMember?: number;
  /**
   * Streams listed in one room; a new one beyond is refused with 1003060. With the stream ID and
   * extra info limits it bounds a login or resume reply. @default 256
   */
  maxStreamsPerRoom?: number;
  /**
   * Members of one room, whatever maxMemberCount its creator gave (0 = up to this); a login
   * beyond it is refused with 1002034. The business can set a room's own count with the admin
   * API's SetRoomCapacity. @default 10000
   */
  maxRoomMembers?: number;
  /** What a second login of the same user does to the first. @default 'kick-old' */
  duplicateLogin?: DuplicateLoginPolicy;
  /** Kick sessions whose token expires unrenewed (KICKOUT, Code.TOKEN_EXPIRED). @default false */
  kickOnTokenExpiry?: boolean;
  /** Webhooks to the business backend: `{ url, secret }` and delivery knobs. @default undefined (none) */
  webhook?: WebhookOptions;
  /** pino level or 'silent'. @default 'info' */
  logLevel?: string;
  /** 'json' lines, or 'pretty' (time, level, message, key=value) for a person. @default 'json' */
  logFormat?: LogFormat;

  // ---------------------------------------------------------------- Atrium's own

  /** `count` frames at most this often per room while the count changes. @default 30000 */
  onlineCountIntervalMs?: number;
  /**
   * The largest broadcast, barrage, custom command or transparent message content, in bytes
   * (1009013 for messages, 1009002 for commands beyond it), at most 32768.
   * @default 1024 (ZEGO's documented limit)
   */
  messageMaxBytes?: number;
  /** Room extra info: keys per room (docs/contract.md, "Identifiers and limits"). @default 1 */
  roomExtraMaxKeys?: number;
  /** Room extra info: bytes of a key. @default 10 */
  roomExtraKeyMaxBytes?: number;
  /** Room extra info: bytes of a value. @default 128 */
  roomExtraValueMaxBytes?: number;
  /** Sequenced events kept per room for replay on resume. @default 1024 */
  historyMaxEvents?: number;
  /**
   * WebSocket messages above this close the link (the protocol refuses frames above 64 KiB
   * politely). @default 1048576 (16 × 64 KiB)
   */
  maxPayloadBytes?: number;
  /** A link whose unsent bytes exceed this is closed as too slow. @default 8388608 (8 MiB) */
  linkMaxBufferedBytes?: number;
  /**
   * Unsent bytes of every link together: past it, the links with the biggest backlogs (above a
   * quarter of linkMaxBufferedBytes, at most 1 MiB) are cut until the total is under it again.
   * @default 268435456 (256 MiB)
   */
  serverMaxBufferedBytes?: number;
  /**
   * Admission control (reconnect storms): the event-loop lag, in ms, the server aims to stay
   * under. Past twice this, new links other than fresh logins are told to come back later.
   * @default 50
   */
  admissionLagMs?: number;
  /**
   * Admission control: links that may wait for their first login or resume at once. 0 lets the
   * server find it from its measured lag (grows while under `admissionLagMs`, halves above).
   * @default 0 (automatic)
   */
  admissionMaxPendingLinks?: number;
  /**
   * Rooms with fewer members than this get `roomOnlineUserCountUpdate` on every join and leave;
   * larger rooms at most every `onlineCountIntervalMs`. 0: always by the interval. @default 500
   */
  onlineCountEveryChangeBelow?: number;
  /** The demo page's files. @default apps/demo/dist of this repository, when built */
  staticDir?: string;
  /** Serves `GET /dev/token` and `POST /dev/admin` for the first app. @default false (the CLI turns it on without a config) */
  devMode?: boolean;
  /** Admin API requests per second per app (a token bucket holding one second's worth). @default 100 */
  adminRateLimitPerSec?: number;
  /** Admin API requests per second per source address, whatever the app. @default 100 */
  adminRateLimitPerSourcePerSec?: number;
  /** Development mode on a host other than loopback (`--dev-expose`); otherwise refused. @default false */
  devExpose?: boolean;
  /**
   * Host names (no port) development mode's endpoints answer besides loopback names — and, when
   * exposed, IP addresses (`--dev-allowed-hosts`). Any other name is refused, so a site
   * re-pointing its own name at this server (DNS rebinding) cannot use them.
   * @default [] (none)
   */
  devAllowedHosts?: string[];
  /**
   * Accept legacy Token04 tokens encrypted with AES-CBC (unauthenticated: their bits can be
   * flipped); false accepts only AES-GCM tokens.
   * @default true (as ZEGO does)
   */
  acceptCbcTokens?: boolean;
  /**
   * Serve /metrics, /healthz and /readyz on a listener of their own at this port (0: a free one).
   * @default undefined (on the public listener)
   */
  metricsPort?: number;
  /** The metrics listener's address. @default '127.0.0.1' */
  metricsHost?: string;
  /** Also export Node's process metrics (CPU, memory, event loop, GC) on /metrics. @default false */
  processMetrics?: boolean;
  /** Where the JSON log lines go. @default process.stdout */
  logStream?: { write(line: string): unknown };
  /** Wall clock in ms; tests move it to expire tokens. @default Date.now */
  now?: () => number;
  /** A backend to use instead of a fresh in-memory one; the server does not close it. @default undefined */
  backend?: Backend;
}

const MiB = 1024 * 1024;

/** Every integer option: its default and the range it must fall in. */
const INT_OPTIONS = {
  port: { default: Defaults.port, min: 0, max: 65535 },
  heartbeatIntervalMs: { default: Defaults.heartbeatIntervalMs, min: 20, max: DAY_MS },
  sessionGraceMs: { default: SharedDefaults.sessionGraceMs, min: 0, max: DAY_MS },
  kickMemoryMs: { default: SharedDefaults.kickMemoryMs, min: 0, max: DAY_MS },
  leaseTtlMs: { default: SharedDefaults.leaseTtlMs, min: 150, max: DAY_MS },
  maxRoomsPerUser: { default: Defaults.maxRoomsPerUser, min: 1, max: 1000 },
  maxStreamsPerMember: { default: QuotaDefaults.streamsPerMember, min: 1, max: 1000 },
  maxRoomMembers: { default: QuotaDefaults.roomMembers, min: 1, max: 1_000_000 },
  // At most 1000 streams of 256-byte IDs and 1 KiB extra info: a snapshot under 1.5 MB.
  maxStreamsPerRoom: { default: QuotaDefaults.streamsPerRoom, min: 1, max: 1000 },
  onlineCountIntervalMs: { default: Defaults.onlineCountIntervalMs, min: 10, max: DAY_MS },
  // Base64 of a transparent message this large still fits in one protocol frame.
  messageMaxBytes: { default: Limits.messageMaxBytes, min: 1, max: 32 * 1024 },
  roomExtraMaxKeys: { default: Limits.extraMaxKeys, min: 1, max: 1000 },
  roomExtraKeyMaxBytes: { default: Limits.extraKeyMaxBytes, min: 1, max: 1024 },
  roomExtraValueMaxBytes: { default: Limits.extraValueMaxBytes, min: 1, max: 60_000 },
  historyMaxEvents: { default: SharedDefaults.historyMaxEvents, min: 0, max: 1_000_000 },
  maxPayloadBytes: { default: 16 * Limits.frameMaxBytes, min: Limits.frameMaxBytes + 1, max: 64 * MiB },
  linkMaxBufferedBytes: { default: 8 * MiB, min: 1024, max: 1024 * MiB },
  serverMaxBufferedBytes: { default: 256 * MiB, min: 1024, max: 64 * 1024 * MiB },
  admissionLagMs: { default: 50, min: 1, max: 60_000 },
  admissionMaxPendingLinks: { default: 0, min: 0, max: 1_000_000 },
  onlineCountEveryChangeBelow: { default: 500, min: 0, max: 1_000_000 },
  adminRateLimitPerSec: { default: 100, min: 1, max: 1_000_000 },
  adminRateLimitPerSourcePerSec: { default: 100, min: 1, max: 1_000_000 },
} as const satisfies Record<string, IntRule>;

/** Integer options without a default: absent means the feature is off. */
const OPTIONAL_INT_OPTIONS = {
  metricsPort: { min: 0, max: 65535 },
} as const satisfies Record<string, Omit<IntRule, 'default'>>;

const BOOL_OPTIONS = {
  kickOnTokenExpiry: false,
  devMode: false,
  processMetrics: false,
  devExpose: false,
  acceptCbcTokens: true,
} as const;

export const SERVER_DEFAULTS = {
  ...defaultsOf(INT_OPTIONS),
  ...BOOL_OPTIONS,
  host: Defaults.host,
  metricsHost: '127.0.0.1',
  duplicateLogin: 'kick-old' as DuplicateLoginPolicy,
  logLevel: 'info',
  logFormat: 'json' as LogFormat,
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

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const SECRET_LENGTH = 32;

function boolsOf(o: Fields): Record<keyof typeof BOOL_OPTIONS, boolean> {
  const out: Record<string, boolean> = {};
  for (const [field, fallback] of Object.entries(BOOL_OPTIONS)) {
    const v = o[field];
    if (v !== undefined && typeof v !== 'boolean') throw new OptionsError(field, 'must be a boolean');
    out[field] = (v as boolean | undefined) ?? fallback;
  }
  return out as Record<keyof typeof BOOL_OPTIONS, boolean>;
}

function strOf(o: Fields, field: string): string | undefined {
  const v = o[field];
  if (v !== undefined && (typeof v !== 'string' || v === '')) {
    throw new OptionsError(field, 'must be a non-empty string');
  }
  return v as string | undefined;
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
  const o = ownFields(input as unknown as Fields);
  const apps = validateApps(o.apps);
  const choices = choicesOf(o);
  const hooks = { webhook: o.webhook === undefined ? undefined : resolveWebhook(o.webhook) };
  const plumbing = plumbingOf(o);
  const redis = redisOf(o);
  const ints = intsOf(o, INT_OPTIONS);
  const int = (field: string, min: number, max: number) => intOf(o, field, { min, max });
  const limits = resolveLimits(int);
  return {
    apps,
    ...ints,
    // Kicks are remembered at least as long as a session may still come back.
    kickMemoryMs: Math.max(ints.kickMemoryMs, ints.sessionGraceMs),
    host: strOf(o, 'host') ?? SERVER_DEFAULTS.host,
    ...metricsListenerOf(o),
    devAllowedHosts: devHostsOf(o),
    ...choices,
    ...hooks,
    redis,
    ...boolsOf(o),
    staticDir: strOf(o, 'staticDir'),
    ...plumbing,
    ...limits,
    ...resolveRates(int, limits.maxLinksPerIp),
  };
}

/** The options that pick one of a few values. */
function choicesOf(o: Fields): Pick<ResolvedOptions, 'duplicateLogin' | 'logLevel' | 'logFormat'> {
  const duplicateLogin = o.duplicateLogin ?? SERVER_DEFAULTS.duplicateLogin;
  if (duplicateLogin !== 'kick-old' && duplicateLogin !== 'reject-new') {
    throw new OptionsError('duplicateLogin', "must be 'kick-old' or 'reject-new'");
  }
  const logLevel = o.logLevel ?? SERVER_DEFAULTS.logLevel;
  if (typeof logLevel !== 'string' || !LOG_LEVELS.has(logLevel)) {
    throw new OptionsError('logLevel', `must be one of ${[...LOG_LEVELS].join(', ')}`);
  }
  const logFormat = o.logFormat ?? SERVER_DEFAULTS.logFormat;
  if (logFormat !== 'json' && logFormat !== 'pretty') {
    throw new OptionsError('logFormat', "must be 'json' or 'pretty'");
  }
  return { duplicateLogin, logLevel, logFormat };
}

/** The objects and functions passed in: a log stream, a clock, a backend. */
function plumbingOf(o: Fields): Pick<ResolvedOptions, 'logStream' | 'now' | 'backend'> {
  const logStream = o.logStream;
  if (logStream !== undefined && (!isRecord(logStream) || typeof logStream.write !== 'function')) {
    throw new OptionsError('logStream', 'must have a write(line) method');
  }
  if (o.now !== undefined && typeof o.now !== 'function') throw new OptionsError('now', 'must be a function');
  if (o.backend !== undefined && !isRecord(o.backend)) throw new OptionsError('backend', 'must be a Backend');
  return {
    logStream: logStream as RoomServerOptions['logStream'],
    now: (o.now as (() => number) | undefined) ?? Date.now,
    backend: o.backend as Backend | undefined,
  };
}

function redisOf(o: Fields): string | undefined {
  const redis = strOf(o, 'redis');
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
  return redis;
}

/** The metrics listener's port and address: an address without a port has no listener to name. */
function metricsListenerOf(o: Fields): Pick<ResolvedOptions, 'metricsPort' | 'metricsHost'> {
  const metricsPort = intOf(o, 'metricsPort', OPTIONAL_INT_OPTIONS.metricsPort);
  const metricsHost = strOf(o, 'metricsHost');
  if (metricsHost !== undefined && metricsPort === undefined) {
    throw new OptionsError(
      'metricsHost',
      'is set without metricsPort: there is no metrics listener, and /metrics stays on the public one',
    );
  }
  return { metricsPort, metricsHost: metricsHost ?? SERVER_DEFAULTS.metricsHost };
}

/** Development mode's extra host names, lowercased. */
function devHostsOf(o: Fields): string[] {
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
  return (allowed as string[]).map((h) => h.toLowerCase());
}
