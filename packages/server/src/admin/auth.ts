// Who may call the admin API: ZEGO's server-API signature (docs/token04.md, "The admin API's
// signature"), a timestamp within 10 minutes, a SignatureNonce used once. The order matters: a
// replay is refused before any rate limit is charged (a used URL from an access log must not starve the
// calls of its owner), and a nonce is spent as soon as its signature is right, so a request
// refused for any later reason (rate limit included) can never run afterwards. The secret never
// leaves this module in any form but the md5 it is hashed into.

import { createHash, timingSafeEqual } from 'node:crypto';
import { AdminCode, type AdminErrorCode } from '@atrium/protocol';
import type { AdminParams } from './params.js';

/** How far a request's Timestamp may be from our clock, and how long a nonce is remembered. */
export const SIGNATURE_WINDOW_MS = 10 * 60 * 1000;
const NONCE_MAX_CHARS = 128;
const SWEEP_EVERY_MS = 1000;
/** Nonces remembered per app and node at most; beyond, the one signed farthest from now goes. */
export const NONCE_CACHE_MAX = 200_000;

/** `md5(AppId + SignatureNonce + ServerSecret + Timestamp)`, lowercase hex. */
export function adminSignature(
  appID: number | string,
  nonce: string,
  secret: string,
  timestamp: number | string,
) {
  return createHash('md5').update(`${appID}${nonce}${secret}${timestamp}`).digest('hex');
}

/** Constant-time for equal lengths; a length mismatch says nothing about the secret. */
function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

interface Remembered {
  /** When it may be forgotten: its request could no longer be accepted. */
  until: number;
  timestampMs: number;
}

/**
 * One app's nonces. Bounded: when full, the nonce whose request was signed farthest from now is
 * forgotten, and every request signed as far or farther on that side is refused from then on
 * (`isOutside`), so forgetting a nonce never lets it be replayed. An old one raises `floorMs`,
 * which so never passes the clock; a future-dated one (a Timestamp may be up to the window
 * ahead) lowers `ceiling` instead, which lasts only until such a request would have expired.
 * Only this app's own requests fill it, so only a holder of this app's secret can push it.
 */
class AppNonces {
  private readonly seen = new Map<string, Remembered>();
  /** The nonces by their request's Timestamp (whole seconds: a few thousand at most live). */
  private readonly byTimestamp = new Map<number, Set<string>>();
  /** Requests signed at or before this are refused: a nonce of theirs may have been forgotten. */
  private floorMs = Number.NEGATIVE_INFINITY;
  /** Requests signed at or after `atMs` are refused until `untilMs`, for the same reason. */
  private ceiling: { atMs: number; untilMs: number } | undefined;

  get size(): number {
    return this.seen.size;
  }

  isOutside(timestampMs: number, nowMs: number): boolean {
    if (timestampMs <= this.floorMs) return true;
    if (this.ceiling !== undefined && nowMs >= this.ceiling.untilMs) this.ceiling = undefined;
    return this.ceiling !== undefined && timestampMs >= this.ceiling.atMs;
  }

  has(nonce: string, nowMs: number): boolean {
    const seen = this.seen.get(nonce);
    return seen !== undefined && seen.until > nowMs;
  }

  add(nonce: string, entry: Remembered): void {
    this.delete(nonce);
    this.seen.set(nonce, entry);
    let same = this.byTimestamp.get(entry.timestampMs);
    if (same === undefined) {
      same = new Set();
      this.byTimestamp.set(entry.timestampMs, same);
    }
    same.add(nonce);
  }

  /** Forgets entries until `max` are left, each the one signed farthest from `nowMs`. */
  trim(max: number, nowMs: number, windowMs: number): void {
    while (this.seen.size > max) {
      let oldest = Number.POSITIVE_INFINITY;
      let newest = Number.NEGATIVE_INFINITY;
      for (const t of this.byTimestamp.keys()) {
        if (t < oldest) oldest = t;
        if (t > newest) newest = t;
      }
      const future = newest > nowMs && newest - nowMs > nowMs - oldest;
      const timestampMs = future ? newest : oldest;
      const nonce = this.byTimestamp.get(timestampMs)?.values().next().value as string;
      this.delete(nonce);
      if (!future) this.floorMs = Math.max(this.floorMs, timestampMs);
      else {
        this.ceiling = {
          atMs: Math.min(this.ceiling?.atMs ?? timestampMs, timestampMs),
          untilMs: Math.max(this.ceiling?.untilMs ?? 0, timestampMs + windowMs),
        };
      }
    }
  }

  sweep(nowMs: number): void {
    for (const [nonce, { until }] of this.seen) if (until <= nowMs) this.delete(nonce);
  }

  private delete(nonce: string): void {
    const entry = this.seen.get(nonce);
    if (entry === undefined) return;
    this.seen.delete(nonce);
    const same = this.byTimestamp.get(entry.timestampMs);
    same?.delete(nonce);
    if (same?.size === 0) this.byTimestamp.delete(entry.timestampMs);
  }
}

/**
 * Nonces seen, per app, each kept until its request could no longer be replayed. Each app has
 * a cache and cut-offs of its own: filling one (its secret is all it takes) must not refuse
 * another app's requests.
 */
export class NonceCache {
  private readonly apps = new Map<number, AppNonces>();
  private lastSweepMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs = SIGNATURE_WINDOW_MS,
    private readonly maxEntriesPerApp = NONCE_CACHE_MAX,
  ) {}

  /** Nonces remembered, of one app or of all. */
  size(appID?: number): number {
    if (appID !== undefined) return this.apps.get(appID)?.size ?? 0;
    let total = 0;
    for (const app of this.apps.values()) total += app.size;
    return total;
  }

  /** Signed too far from now to be told apart from a replay of a nonce this app forgot. */
  isOutside(appID: number, timestampMs: number, nowMs: number): boolean {
    return this.apps.get(appID)?.isOutside(timestampMs, nowMs) ?? false;
  }

  /**
   * How long `nonce` is remembered from now (ms) when it is fresh for the app, 0 when it is a
   * replay or its request was signed too far from now to be remembered (`isOutside`). A request
   * stays acceptable until its timestamp is a window old, whatever our clock says.
   */
  remember(appID: number, nonce: string, timestampMs: number, nowMs: number): number {
    this.sweep(nowMs);
    let app = this.apps.get(appID);
    if (app === undefined) {
      app = new AppNonces();
      this.apps.set(appID, app);
    }
    if (app.has(nonce, nowMs) || app.isOutside(timestampMs, nowMs)) return 0;
    const until = Math.max(nowMs, timestampMs) + this.windowMs;
    app.add(nonce, { until, timestampMs });
    app.trim(this.maxEntriesPerApp, nowMs, this.windowMs);
    // Forgotten at once (it was the farthest from now): refused, and by the cut-offs for good.
    if (!app.has(nonce, nowMs)) return 0;
    return until - nowMs;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < SWEEP_EVERY_MS) return;
    this.lastSweepMs = nowMs;
    for (const app of this.apps.values()) app.sweep(nowMs);
  }
}

/** A token bucket: `ratePerSec` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private lastMs: number | undefined;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Full again (and so no different from a new bucket) by `nowMs`. */
  isIdle(nowMs: number): boolean {
    return this.lastMs === undefined || nowMs - this.lastMs >= (this.burst / this.ratePerSec) * 1000;
  }

  take(nowMs: number): boolean {
    if (this.lastMs !== undefined && nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) / 1000) * this.ratePerSec);
    }
    this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface AuthContext {
  secrets: ReadonlyMap<number, string>;
  nonces: NonceCache;
  /** Wall clock, ms (the request's Timestamp is compared with it). */
  now(): number;
}

export type AuthResult =
  /** `nonce` is fresh here, and must stay unusable for `nonceKeepMs` (a cluster checks it too). */
  | { ok: true; appID: number; action: string; nonce: string; nonceKeepMs: number }
  | { ok: false; code: AdminErrorCode; message?: string };

const refuse = (code: AdminErrorCode, message?: string): AuthResult =>
  message === undefined ? { ok: false, code } : { ok: false, code, message };

/**
 * The public parameters, checked in ZEGO's order; the nonce only once signed. The caller charges
 * the rate limits after this (and after the cluster-wide nonce check): a replay costs nothing.
 */
export function authenticate(params: AdminParams, ctx: AuthContext): AuthResult {
  const action = params.one('Action');
  if (action === undefined || action === '') return refuse(AdminCode.ACTION_MISSING);
  const appIDText = params.one('AppId');
  if (appIDText === undefined || !/^[1-9]\d{0,9}$/.test(appIDText)) return refuse(AdminCode.APP_ID_INVALID);
  const nonce = params.one('SignatureNonce');
  if (nonce === undefined || nonce === '') return refuse(AdminCode.NONCE_MISSING);
  if (nonce.length > NONCE_MAX_CHARS) {
    return refuse(AdminCode.INPUT_ERROR, `SignatureNonce longer than ${NONCE_MAX_CHARS} characters`);
  }
  const timestamp = params.one('Timestamp');
  if (timestamp === undefined || timestamp === '') return refuse(AdminCode.TIMESTAMP_MISSING);
  if (!/^\d{1,12}$/.test(timestamp)) return refuse(AdminCode.TIMESTAMP_INVALID);
  const signature = params.one('Signature');
  if (signature === undefined || signature === '') return refuse(AdminCode.SIGNATURE_MISSING);
  const version = params.one('SignatureVersion');
  if (version === undefined || version === '') return refuse(AdminCode.SIGNATURE_VERSION_MISSING);
  if (version !== '2.0') return refuse(AdminCode.SIGNATURE_VERSION_UNSUPPORTED);

  const appID = Number(appIDText);
  const secret = ctx.secrets.get(appID);
  if (secret === undefined) return refuse(AdminCode.APP_UNKNOWN);
  const nowMs = ctx.now();
  const timestampMs = Number(timestamp) * 1000;
  if (
    Math.abs(nowMs - timestampMs) > SIGNATURE_WINDOW_MS ||
    ctx.nonces.isOutside(appID, timestampMs, nowMs)
  ) {
    return refuse(AdminCode.SIGNATURE_EXPIRED);
  }
  if (!sameSignature(adminSignature(appIDText, nonce, secret, timestamp), signature)) {
    return refuse(AdminCode.SIGNATURE_WRONG);
  }
  const nonceKeepMs = ctx.nonces.remember(appID, nonce, timestampMs, nowMs);
  if (nonceKeepMs === 0) {
    // Not remembered because the app's cache had to forget it at once: too far from now.
    if (ctx.nonces.isOutside(appID, timestampMs, nowMs)) return refuse(AdminCode.SIGNATURE_EXPIRED);
    return refuse(AdminCode.NONCE_REUSED);
  }
  return { ok: true, appID, action, nonce, nonceKeepMs };
}
