// Who may call the admin API: ZEGO's server-API signature (the operations guide, "The admin
// API"), a timestamp within 10 minutes, a SignatureNonce used once. The order matters: a replay
// is refused before any rate limit is charged (a used URL from an access log must not starve the
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
/** Nonces remembered per node at most; beyond, the oldest go and their timestamps with them. */
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

/**
 * Nonces seen per app, each kept until its request could no longer be replayed. Bounded: when
 * full, the oldest entry is forgotten and every request signed at or before its timestamp is
 * refused from then on (`isTooOld`), so forgetting a nonce never lets it be replayed.
 */
export class NonceCache {
  private readonly forgetAt = new Map<string, { until: number; timestampMs: number }>();
  private lastSweepMs = Number.NEGATIVE_INFINITY;
  /** Requests signed at or before this are refused: a nonce of theirs may have been forgotten. */
  private floorMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs = SIGNATURE_WINDOW_MS,
    private readonly maxEntries = NONCE_CACHE_MAX,
  ) {}

  get size(): number {
    return this.forgetAt.size;
  }

  /** Signed too long ago to be told apart from a replay of a forgotten nonce. */
  isTooOld(timestampMs: number): boolean {
    return timestampMs <= this.floorMs;
  }

  /**
   * How long `nonce` is remembered from now (ms) when it is fresh for the app, 0 on a replay. A
   * request stays acceptable until its timestamp is a window old, whatever our clock says.
   */
  remember(appID: number, nonce: string, timestampMs: number, nowMs: number): number {
    this.sweep(nowMs);
    const key = `${appID} ${nonce}`;
    const seen = this.forgetAt.get(key);
    if (seen !== undefined && seen.until > nowMs) return 0;
    if (this.isTooOld(timestampMs)) return 0;
    const until = Math.max(nowMs, timestampMs) + this.windowMs;
    this.forgetAt.delete(key);
    this.forgetAt.set(key, { until, timestampMs });
    while (this.forgetAt.size > this.maxEntries) {
      const [oldest, entry] = this.forgetAt.entries().next().value as [string, { timestampMs: number }];
      this.forgetAt.delete(oldest);
      this.floorMs = Math.max(this.floorMs, entry.timestampMs);
    }
    return until - nowMs;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < SWEEP_EVERY_MS) return;
    this.lastSweepMs = nowMs;
    for (const [key, { until }] of this.forgetAt) if (until <= nowMs) this.forgetAt.delete(key);
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
  if (Math.abs(nowMs - timestampMs) > SIGNATURE_WINDOW_MS || ctx.nonces.isTooOld(timestampMs)) {
    return refuse(AdminCode.SIGNATURE_EXPIRED);
  }
  if (!sameSignature(adminSignature(appIDText, nonce, secret, timestamp), signature)) {
    return refuse(AdminCode.SIGNATURE_WRONG);
  }
  const nonceKeepMs = ctx.nonces.remember(appID, nonce, timestampMs, nowMs);
  if (nonceKeepMs === 0) return refuse(AdminCode.NONCE_REUSED);
  return { ok: true, appID, action, nonce, nonceKeepMs };
}
