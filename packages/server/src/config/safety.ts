// What keeps a configuration from opening the server more than asked: an option nobody knows is
// an error (a typo would otherwise leave its default in place, silently), and development mode —
// an open token minter and unsigned admin actions — stays on loopback and out of production.

import { LIMIT_OPTION_NAMES } from '../limits/options.js';
import { RATE_OPTION_NAMES } from '../limits/rates.js';
import { OptionsError, type ResolvedOptions, type RoomServerOptions } from '../options.js';

/** Every field of RoomServerOptions: the compiler checks the list is whole. */
const OPTION_NAMES = {
  apps: 1,
  port: 1,
  host: 1,
  redis: 1,
  heartbeatIntervalMs: 1,
  sessionGraceMs: 1,
  kickMemoryMs: 1,
  leaseTtlMs: 1,
  maxRoomsPerUser: 1,
  maxStreamsPerMember: 1,
  maxStreamsPerRoom: 1,
  maxRoomMembers: 1,
  duplicateLogin: 1,
  kickOnTokenExpiry: 1,
  webhook: 1,
  logLevel: 1,
  logFormat: 1,
  onlineCountIntervalMs: 1,
  roomExtraMaxKeys: 1,
  roomExtraKeyMaxBytes: 1,
  roomExtraValueMaxBytes: 1,
  messageMaxBytes: 1,
  historyMaxEvents: 1,
  maxPayloadBytes: 1,
  linkMaxBufferedBytes: 1,
  serverMaxBufferedBytes: 1,
  staticDir: 1,
  devMode: 1,
  adminRateLimitPerSec: 1,
  adminRateLimitPerSourcePerSec: 1,
  devExpose: 1,
  devAllowedHosts: 1,
  acceptCbcTokens: 1,
  metricsPort: 1,
  metricsHost: 1,
  processMetrics: 1,
  logStream: 1,
  now: 1,
  backend: 1,
  admissionLagMs: 1,
  admissionMaxPendingLinks: 1,
  onlineCountEveryChangeBelow: 1,
  ...LIMIT_OPTION_NAMES,
  ...RATE_OPTION_NAMES,
} satisfies Record<keyof RoomServerOptions, 1>;

export const OPTION_FIELDS = Object.keys(OPTION_NAMES) as (keyof RoomServerOptions)[];

const WEBHOOK_FIELDS = [
  'url',
  'secret',
  'retryDelaysMs',
  'timeoutMs',
  'maxQueued',
  'maxQueuedPerRoom',
  'maxConcurrent',
  'drainOnCloseMs',
];

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** ` (did you mean X?)` for the nearest known name, or '' when none is near. */
export function didYouMean(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const near = best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3));
  return near ? ` (did you mean ${best}?)` : '';
}

/** Throws an OptionsError naming the first option that is not one (webhook's fields too). */
export function checkOptionNames(input: unknown): void {
  if (typeof input !== 'object' || input === null) return; // resolveOptions says what is wrong.
  const known = new Set<string>(OPTION_FIELDS);
  for (const field of Object.keys(input)) {
    if (!known.has(field)) {
      throw new OptionsError(field, `is not an option${didYouMean(field, OPTION_FIELDS)}`);
    }
  }
  const webhook = (input as Record<string, unknown>).webhook;
  if (typeof webhook === 'object' && webhook !== null && !Array.isArray(webhook)) {
    for (const field of Object.keys(webhook)) {
      if (!WEBHOOK_FIELDS.includes(field)) {
        throw new OptionsError(`webhook.${field}`, `is not an option${didYouMean(field, WEBHOOK_FIELDS)}`);
      }
    }
  }
}

/** 127.0.0.0/8, ::1 and localhost: what only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return v4 !== null && v4[1] === '127' && v4.slice(2).every((p) => Number(p) <= 255);
}

/** NODE_ENV values under which development mode may run: unset, development or test. */
export function isDevNodeEnv(nodeEnv: string | undefined): boolean {
  const v = (nodeEnv ?? '').trim().toLowerCase();
  return v === '' || v === 'development' || v === 'test';
}

/**
 * Development mode's rules, on resolved options: only when NODE_ENV is unset, development or
 * test (any other value — `Production`, `prod`, `staging` — is taken to mean a real deployment),
 * and on a loopback host unless `devExpose` says otherwise.
 */
export function checkDevMode(
  options: ResolvedOptions,
  env: Readonly<Record<string, string | undefined>>,
): void {
  if (!options.devMode) return;
  if (!isDevNodeEnv(env.NODE_ENV)) {
    throw new OptionsError(
      'devMode',
      `is refused with NODE_ENV=${env.NODE_ENV}: it serves an open token minter and unsigned admin ` +
        'actions (development mode runs only with NODE_ENV unset, development or test)',
    );
  }
  if (!isLoopbackHost(options.host) && !options.devExpose) {
    throw new OptionsError(
      'host',
      `is ${options.host}, not loopback: development mode serves an open token minter and unsigned ` +
        'admin actions, so it binds to 127.0.0.1 or ::1 unless devExpose (--dev-expose) is set',
    );
  }
}
