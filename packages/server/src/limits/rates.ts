// How often one member, one link or one address may ask the room layer for something: token
// buckets, one table of them. A member is its (appID, userID), whatever links and sessions it
// holds, so opening more links does not buy more budget; logins and resumes are counted per link
// and per address, as they come before there is a member to charge. A request beyond its budget
// is refused with its code and nothing else happens: not applied, no event, the link stays.
// Defaults sit far above what a real app sends; docs/operations.md ("Limits") lists them.

import { Code, type ErrorCode } from '@atrium/protocol';
import type { LimitName } from './refusals.js';

/** One budget: a bucket of `burst` tokens refilled at `perSec`; one token per request. */
export interface RateRow {
  /** The options that set it. */
  perSecOption: string;
  burstOption: string;
  perSec: number;
  burst: number;
  /** What the request gets beyond it. */
  code: ErrorCode;
  /** Whose budget it is. */
  per: 'member' | 'link' | 'address';
  /** Its `limit` label in atrium_limited_total. */
  limit: LimitName;
}

export type RateName = 'messages' | 'extra' | 'streams' | 'logins' | 'loginsPerIp';

/** The budgets and their defaults. */
export const RATE_TABLE = {
  /** Broadcast, barrage, custom command and transparent messages. */
  messages: {
    perSecOption: 'rateMessagesPerSec',
    burstOption: 'rateMessagesBurst',
    perSec: 50,
    burst: 100,
    code: Code.MESSAGE_FREQUENCY,
    per: 'member',
    limit: 'rate_messages',
  },
  /** Room extra info. */
  extra: {
    perSecOption: 'rateExtraPerSec',
    burstOption: 'rateExtraBurst',
    perSec: 10,
    burst: 20,
    code: Code.MESSAGE_FREQUENCY,
    per: 'member',
    limit: 'rate_extra',
  },
  /** Stream publish, unpublish and stream extra info. */
  streams: {
    perSecOption: 'rateStreamsPerSec',
    burstOption: 'rateStreamsBurst',
    perSec: 20,
    burst: 40,
    code: Code.MESSAGE_FREQUENCY,
    per: 'member',
    limit: 'rate_streams',
  },
  /** Logins, room switches and resumes on one link. */
  logins: {
    perSecOption: 'rateLoginsPerSec',
    burstOption: 'rateLoginsBurst',
    perSec: 5,
    burst: 10,
    code: Code.MESSAGE_FREQUENCY,
    per: 'link',
    limit: 'rate_logins',
  },
  /**
   * The same from one address, whatever the link. Every client behind a NAT or a reverse proxy
   * shares it, and all of them resume at once after a network blip: by default the burst is the
   * links one address may hold (maxLinksPerIp), refilled at a tenth of that a second, never less
   * than these minimums.
   */
  loginsPerIp: {
    perSecOption: 'rateLoginsPerIpPerSec',
    burstOption: 'rateLoginsPerIpBurst',
    perSec: 200,
    burst: 1000,
    code: Code.MESSAGE_FREQUENCY,
    per: 'address',
    limit: 'rate_logins_ip',
  },
} as const satisfies Record<RateName, RateRow>;

type OptionName =
  | (typeof RATE_TABLE)[RateName]['perSecOption']
  | (typeof RATE_TABLE)[RateName]['burstOption'];

/** The options (all integers; see RATE_TABLE for the defaults). */
export type RateOptions = { [K in OptionName]?: number };

export type ResolvedRates = Required<RateOptions>;

/** Every option name, for the config file's and the option-name checks. */
export const RATE_OPTION_NAMES = Object.fromEntries(
  Object.values(RATE_TABLE).flatMap((row) => [
    [row.perSecOption, 1],
    [row.burstOption, 1],
  ]),
) as Record<OptionName, 1>;

export const RATE_FIELDS = Object.keys(RATE_OPTION_NAMES) as OptionName[];

type IntField = (field: string, min: number, max: number) => number | undefined;

/** The rate options with their defaults; `int` reads and checks one field. */
export function resolveRates(int: IntField, maxLinksPerIp: number): ResolvedRates {
  const out: Record<string, number> = {};
  for (const row of Object.values(RATE_TABLE)) {
    out[row.perSecOption] = int(row.perSecOption, 1, 10_000_000) ?? row.perSec;
    out[row.burstOption] = int(row.burstOption, 1, 10_000_000) ?? row.burst;
  }
  const ip = RATE_TABLE.loginsPerIp;
  out[ip.perSecOption] =
    int(ip.perSecOption, 1, 10_000_000) ?? Math.max(ip.perSec, Math.ceil(maxLinksPerIp / 10));
  out[ip.burstOption] = int(ip.burstOption, 1, 10_000_000) ?? Math.max(ip.burst, maxLinksPerIp);
  return out as ResolvedRates;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Token buckets of one budget, by key. Buckets that have filled up again are forgotten. */
export class TokenBuckets<K = string> {
  private readonly buckets = new Map<K, Bucket>();

  constructor(
    readonly perSec: number,
    readonly burst: number,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes a token from `key`'s bucket: false when it has none. */
  take(key: K, nowMs: number): boolean {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      this.buckets.set(key, { tokens: this.burst - 1, atMs: nowMs });
      return true;
    }
    this.refill(bucket, nowMs);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Gives back a token taken (the request was refused by another budget). */
  giveBack(key: K): void {
    const bucket = this.buckets.get(key);
    if (bucket !== undefined) bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
  }

  /** Forgets the buckets full by now: a fresh one is the same. */
  sweep(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, nowMs);
      if (bucket.tokens >= this.burst) this.buckets.delete(key);
    }
  }

  private refill(bucket: Bucket, nowMs: number): void {
    // A clock step backwards refills nothing (rather than draining the bucket).
    const elapsed = Math.max(0, nowMs - bucket.atMs);
    bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsed * this.perSec) / 1000);
    bucket.atMs = nowMs;
  }
}

/** The request kinds each budget charges. */
const CHARGED: Readonly<Record<string, 'messages' | 'extra' | 'streams' | 'logins'>> = {
  bcast: 'messages',
  barrage: 'messages',
  cmd: 'messages',
  extra: 'extra',
  pub: 'streams',
  unpub: 'streams',
  sextra: 'streams',
  login: 'logins',
  switch: 'logins',
  resume: 'logins',
};

/** Who sends a request: its member (when it has a session), its link and its address. */
export interface Sender {
  member: string | undefined;
  link: object;
  /** Undefined when the transport does not know it: then only the link is charged. */
  address: string | undefined;
}

/** A refusal: the budget run dry and what to answer. */
export interface RateRefusal {
  limit: LimitName;
  code: ErrorCode;
}

/** Every budget of the server. */
export class RateLimits {
  private readonly member: Record<'messages' | 'extra' | 'streams', TokenBuckets>;
  private readonly link: TokenBuckets<object>;
  private readonly address: TokenBuckets;

  constructor(rates: ResolvedRates) {
    const of = (row: RateRow) =>
      [
        (rates as Record<string, number>)[row.perSecOption] ?? row.perSec,
        (rates as Record<string, number>)[row.burstOption] ?? row.burst,
      ] as const;
    this.member = {
      messages: new TokenBuckets(...of(RATE_TABLE.messages)),
      extra: new TokenBuckets(...of(RATE_TABLE.extra)),
      streams: new TokenBuckets(...of(RATE_TABLE.streams)),
    };
    this.link = new TokenBuckets<object>(...of(RATE_TABLE.logins));
    this.address = new TokenBuckets(...of(RATE_TABLE.loginsPerIp));
  }

  /**
   * Charges a request of kind `t` to its sender: undefined when within budget (or not charged:
   * a member request without a session is refused by its rule anyway).
   */
  charge(t: string, sender: Sender, nowMs: number): RateRefusal | undefined {
    const budget = CHARGED[t];
    if (budget === undefined) return undefined;
    if (budget !== 'logins') {
      if (sender.member === undefined || this.member[budget].take(sender.member, nowMs)) return undefined;
      return refusal(RATE_TABLE[budget]);
    }
    if (!this.link.take(sender.link, nowMs)) return refusal(RATE_TABLE.logins);
    if (sender.address === undefined || this.address.take(sender.address, nowMs)) return undefined;
    this.link.giveBack(sender.link);
    return refusal(RATE_TABLE.loginsPerIp);
  }

  sweep(nowMs: number): void {
    for (const buckets of Object.values(this.member)) buckets.sweep(nowMs);
    this.link.sweep(nowMs);
    this.address.sweep(nowMs);
  }
}

const refusal = (row: RateRow): RateRefusal => ({ limit: row.limit, code: row.code });
