// The server's defences against one connection or one peer hurting the others: what a link may
// send, how long it may stay without a session, how many links the process and one address may
// hold, and how long an HTTP request may take. docs/operations.md ("Limits") lists each with its
// default and what a peer beyond it gets. Defaults are set so that a real app never meets them.

import { openFileLimit, reservedFds } from './fd-limit.js';

export interface LimitOptions {
  /**
   * A link that has no session this long after it opened (or after its session ended) is closed
   * (1008), however often it pings. Default 10000.
   */
  loginDeadlineMs?: number;
  /** WebSocket links at once; more are refused with HTTP 503. Default: the open-file limit less a reserve. */
  maxLinks?: number;
  /**
   * TCP connections (links and HTTP requests alike) from one IP address; more are refused with
   * HTTP 429. Default a quarter of maxLinks. Behind a reverse proxy every link comes from the
   * proxy's address: set it to maxLinks there.
   */
  maxLinksPerIp?: number;
  /** Links that have not logged in yet; more are refused with HTTP 503. Default half of maxLinks. */
  maxLinksBeforeLogin?: number;
  /** Frames and bytes per second a logged-in link may send (twice that in a burst). Default 500 and 1 MiB. */
  inputFramesPerSec?: number;
  inputBytesPerSec?: number;
  /**
   * The largest message a link may send, or hold half-sent, before it has logged in (a login or a
   * resume is far smaller); beyond it the link is closed with 1009. After its login the link may
   * send up to maxPayloadBytes. Default 16384 (16 KiB).
   */
  loginMaxMessageBytes?: number;
  /** The same before a link has logged in. Default 20 and 32 KiB. */
  loginInputFramesPerSec?: number;
  loginInputBytesPerSec?: number;
  /** A new connection that has sent nothing by then is closed. Default 2000. */
  httpFirstByteTimeoutMs?: number;
  /** An HTTP request's headers must have arrived by then (Node answers 408). Default 10000. */
  httpHeadersTimeoutMs?: number;
  /** A whole HTTP request, body included, must have arrived by then. Default 30000. */
  httpRequestTimeoutMs?: number;
  /** An admin API request's body must have arrived this long after its headers (408). Default 5000. */
  adminBodyTimeoutMs?: number;
}

export type ResolvedLimits = Required<LimitOptions>;

/** Every field of LimitOptions, for the option-name checks (the compiler checks the list is whole). */
export const LIMIT_OPTION_NAMES = {
  loginDeadlineMs: 1,
  maxLinks: 1,
  maxLinksPerIp: 1,
  maxLinksBeforeLogin: 1,
  loginMaxMessageBytes: 1,
  inputFramesPerSec: 1,
  inputBytesPerSec: 1,
  loginInputFramesPerSec: 1,
  loginInputBytesPerSec: 1,
  httpFirstByteTimeoutMs: 1,
  httpHeadersTimeoutMs: 1,
  httpRequestTimeoutMs: 1,
  adminBodyTimeoutMs: 1,
} satisfies Record<keyof LimitOptions, 1>;

export const LIMIT_FIELDS = Object.keys(LIMIT_OPTION_NAMES) as (keyof LimitOptions)[];

export const LIMIT_DEFAULTS = {
  loginDeadlineMs: 10_000,
  loginMaxMessageBytes: 16 * 1024,
  inputFramesPerSec: 500,
  inputBytesPerSec: 1024 * 1024,
  loginInputFramesPerSec: 20,
  loginInputBytesPerSec: 32 * 1024,
  httpFirstByteTimeoutMs: 2_000,
  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 30_000,
  adminBodyTimeoutMs: 5_000,
} as const;

/** The connection caps derived from an open-file limit. */
export function linkCapsFor(fdLimit: number): { maxLinks: number; maxLinksPerIp: number } {
  const maxLinks = Math.max(16, fdLimit - reservedFds(fdLimit));
  return { maxLinks, maxLinksPerIp: Math.max(16, Math.floor(maxLinks / 4)) };
}

type IntField = (field: string, min: number, max: number) => number | undefined;

/** The limits with their defaults; `int` reads and checks one field (throwing an OptionsError). */
export function resolveLimits(int: IntField, fdLimit: () => number = openFileLimit): ResolvedLimits {
  const d = LIMIT_DEFAULTS;
  const day = 86_400_000;
  const rate = (field: string, fallback: number) => int(field, 1, 1_000_000_000) ?? fallback;
  const given = int('maxLinks', 1, 10_000_000);
  const derived = given === undefined ? linkCapsFor(fdLimit()) : undefined;
  const maxLinks = given ?? derived?.maxLinks ?? 0;
  return {
    loginDeadlineMs: int('loginDeadlineMs', 100, day) ?? d.loginDeadlineMs,
    maxLinks,
    maxLinksPerIp:
      int('maxLinksPerIp', 1, 10_000_000) ?? derived?.maxLinksPerIp ?? Math.max(16, Math.floor(maxLinks / 4)),
    maxLinksBeforeLogin: int('maxLinksBeforeLogin', 1, 10_000_000) ?? Math.max(8, Math.floor(maxLinks / 2)),
    loginMaxMessageBytes: int('loginMaxMessageBytes', 1024, 64 * 1024 * 1024) ?? d.loginMaxMessageBytes,
    inputFramesPerSec: rate('inputFramesPerSec', d.inputFramesPerSec),
    inputBytesPerSec: rate('inputBytesPerSec', d.inputBytesPerSec),
    loginInputFramesPerSec: rate('loginInputFramesPerSec', d.loginInputFramesPerSec),
    loginInputBytesPerSec: rate('loginInputBytesPerSec', d.loginInputBytesPerSec),
    httpFirstByteTimeoutMs: int('httpFirstByteTimeoutMs', 100, day) ?? d.httpFirstByteTimeoutMs,
    httpHeadersTimeoutMs: int('httpHeadersTimeoutMs', 100, day) ?? d.httpHeadersTimeoutMs,
    httpRequestTimeoutMs: int('httpRequestTimeoutMs', 100, day) ?? d.httpRequestTimeoutMs,
    adminBodyTimeoutMs: int('adminBodyTimeoutMs', 100, day) ?? d.adminBodyTimeoutMs,
  };
}
