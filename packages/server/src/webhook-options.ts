// The webhook's options (RoomServerOptions.webhook): where events go, how they are signed, and
// the delivery knobs, each integer one a `{ default, min, max }` row like the server's.

import {
  DAY_MS,
  defaultsOf,
  type IntRule,
  intsOf,
  isRecord,
  OptionsError,
  ownFields,
} from './options-rules.js';

/** Webhooks to the business backend (docs/operations.md, "Webhooks"). */
export interface WebhookOptions {
  /** The http(s) URL events are POSTed to. */
  url: string;
  /** Signs each event (docs/token04.md, "Webhook signature"). */
  secret: string;
  /**
   * The delay before each retry; its length is the number of retries (at most 20).
   * @default [2000, 4000, 8000, 16000, 32000] (ZEGO's)
   */
  retryDelaysMs?: number[];
  /** One attempt's deadline, 1 to 600000 ms. @default 5000 */
  timeoutMs?: number;
  /** Events waiting (in flight included) beyond which new ones are dropped. @default 10000 */
  maxQueued?: number;
  /**
   * Events one room may have waiting (in flight included); beyond it that room's new events are
   * dropped, whatever room else is quiet. In cluster mode, the bound of each room's queue in Redis.
   * @default 1000
   */
  maxQueuedPerRoom?: number;
  /** Requests in flight at once; each room has at most one. @default 16 */
  maxConcurrent?: number;
  /** On close, how long queued events may still be delivered before the rest is dropped. @default 2000 */
  drainOnCloseMs?: number;
}

export type ResolvedWebhook = Required<WebhookOptions>;

const WEBHOOK_INT_OPTIONS = {
  timeoutMs: { default: 5000, min: 1, max: 600_000 },
  maxQueued: { default: 10_000, min: 1, max: 10_000_000 },
  maxQueuedPerRoom: { default: 1000, min: 1, max: 10_000_000 },
  maxConcurrent: { default: 16, min: 1, max: 1000 },
  drainOnCloseMs: { default: 2000, min: 0, max: 600_000 },
} as const satisfies Record<string, IntRule>;

const RETRY_DELAYS = { default: [2000, 4000, 8000, 16000, 32000], maxCount: 20, maxMs: DAY_MS } as const;

export const WEBHOOK_DEFAULTS = {
  ...defaultsOf(WEBHOOK_INT_OPTIONS),
  retryDelaysMs: RETRY_DELAYS.default,
} as const;

export function resolveWebhook(given: unknown): ResolvedWebhook {
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
  let retryDelaysMs: number[] = [...RETRY_DELAYS.default];
  if (w.retryDelaysMs !== undefined) {
    const delays = w.retryDelaysMs;
    if (
      !Array.isArray(delays) ||
      delays.length > RETRY_DELAYS.maxCount ||
      !delays.every((ms) => Number.isSafeInteger(ms) && ms >= 0 && ms <= RETRY_DELAYS.maxMs)
    ) {
      throw new OptionsError(
        'webhook.retryDelaysMs',
        `must be an array of at most ${RETRY_DELAYS.maxCount} delays, each 0 to ${RETRY_DELAYS.maxMs} ms`,
      );
    }
    retryDelaysMs = [...(delays as number[])];
  }
  return { url: w.url, secret: w.secret, retryDelaysMs, ...intsOf(w, WEBHOOK_INT_OPTIONS, 'webhook.') };
}

function decodable(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}
