// The admin API over HTTP: `GET|POST {httpUrl}/?Action=…` signed ZEGO style, and in
// development mode the unsigned `POST /dev/admin?Action=…` the demo page uses. Every answer is
// `{ Code, Message, RequestId, Data }`; HTTP 200 unless the request could not be taken at all
// (400 unreadable body, 413 too large, 429 rate limited, 500 the backend failed).

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminCode, type AdminErrorCode, adminCodeMessage } from '@atrium/protocol';
import type { Logger } from 'pino';
import type { Backend } from '../backend/backend.js';
import type { HttpHandler } from '../http/router.js';
import { sendJson } from '../http/router.js';
import type { LimitName } from '../limits/refusals.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import { type ActionContext, type ActionResult, ADMIN_ACTIONS, type StreamQuota } from './actions.js';
import { type AuthContext, authenticate, NonceCache, TokenBucket } from './auth.js';
import { AdminParams, parseBody, readBody } from './params.js';

export interface AdminServiceOptions {
  backend: Backend;
  /** appID → server secret. */
  secrets: ReadonlyMap<number, string>;
  /** Requests per second per app; the bucket holds one second's worth. */
  rateLimitPerSec: number;
  /** Requests per second per source address, whatever the app; one second's worth too. */
  rateLimitPerSourcePerSec?: number;
  /** Wall clock, ms. */
  now(): number;
  /** Monotonic ms. */
  monoNow(): number;
  log: Logger;
  metrics: ServerMetrics;
  /** A POST body must have arrived this long after its headers, or the answer is 408. */
  bodyTimeoutMs?: number;
  onBodyTimeout?: () => void;
  /** AddStream's quotas; absent: the backend's defaults. */
  streamQuota?: StreamQuota;
  /** A quota refused an action. */
  onLimit?: (limit: LimitName) => void;
}

export interface AdminReply {
  Code: number;
  Message: string;
  RequestId: string;
  Data: Record<string, unknown>;
}

const HTTP_STATUS: Partial<Record<AdminErrorCode, number>> = {
  [AdminCode.RATE_LIMITED]: 429,
  [AdminCode.INTERNAL]: 500,
};

/** Labels of requests that reached no action. */
const OUTCOME_LABELS = new Set(['unauthenticated', 'unsupported', 'unreadable']);

const newRequestID = (): string => randomBytes(8).readBigUInt64BE().toString();

/** Buckets kept before the idle ones (full again, so no different from new) are let go. */
const BUCKETS_KEPT = 1000;

/** Token buckets by key, made on first use; idle ones forgotten so the map stays bounded. */
class Buckets<K> {
  private readonly map = new Map<K, TokenBucket>();

  constructor(private readonly ratePerSec: number) {}

  take(key: K, nowMs: number): boolean {
    let bucket = this.map.get(key);
    if (bucket === undefined) {
      if (this.map.size >= BUCKETS_KEPT) {
        for (const [k, b] of this.map) if (b.isIdle(nowMs)) this.map.delete(k);
      }
      bucket = new TokenBucket(this.ratePerSec, this.ratePerSec);
      this.map.set(key, bucket);
    }
    return bucket.take(nowMs);
  }
}

export class AdminService {
  private readonly auth: AuthContext;
  private readonly appBuckets: Buckets<number>;
  private readonly sourceBuckets: Buckets<string>;

  constructor(private readonly o: AdminServiceOptions) {
    this.auth = { secrets: o.secrets, nonces: new NonceCache(), now: o.now };
    this.appBuckets = new Buckets(o.rateLimitPerSec);
    this.sourceBuckets = new Buckets(o.rateLimitPerSourcePerSec ?? o.rateLimitPerSec);
  }

  /** Is this request for the admin API? (`/` with an Action, or any POST to `/`.) */
  matches(req: IncomingMessage, url: URL): boolean {
    if (url.pathname !== '/') return false;
    if (req.method === 'POST') return true;
    return (req.method === 'GET' || req.method === 'HEAD') && url.searchParams.has('Action');
  }

  /** The signed API. */
  readonly handle: HttpHandler = async (req, res, url) => {
    const params = await this.paramsOf(req, res, url);
    if (params === undefined) return;
    const auth = authenticate(params, this.auth);
    if (!auth.ok) {
      return this.answer(res, 'unauthenticated', undefined, { code: auth.code, message: auth.message });
    }
    // In a cluster a nonce must be fresh on every node, not only this one.
    const cluster = this.o.backend.cluster;
    if (cluster !== undefined) {
      let fresh: boolean;
      try {
        fresh = await cluster.claimNonce(auth.appID, auth.nonce, auth.nonceKeepMs);
      } catch (error) {
        this.o.log.error({ err: error, appID: auth.appID }, 'admin nonce check failed');
        return this.answer(res, 'unauthenticated', auth.appID, { code: AdminCode.INTERNAL });
      }
      if (!fresh) return this.answer(res, 'unauthenticated', auth.appID, { code: AdminCode.NONCE_REUSED });
    }
    // Only now, with the nonce spent: a replay charges nothing, and a request refused here is
    // never accepted later. Both limits are charged, so neither refusal lets the other run over.
    const nowMs = this.o.monoNow();
    const source = req.socket.remoteAddress ?? '';
    const appOk = this.appBuckets.take(auth.appID, nowMs);
    const sourceOk = this.sourceBuckets.take(source, nowMs);
    if (!appOk || !sourceOk) {
      return this.answer(res, 'unauthenticated', auth.appID, {
        code: AdminCode.RATE_LIMITED,
        message: appOk ? 'rate limited (this source address)' : 'rate limited (this app)',
      });
    }
    await this.run(res, auth.appID, auth.action, params);
  };

  /** Development mode: the same actions for `appID`, unsigned. */
  devHandler(appID: number): HttpHandler {
    return async (req, res, url) => {
      const params = await this.paramsOf(req, res, url);
      if (params === undefined) return;
      const action = params.one('Action');
      if (action === undefined || action === '') {
        return this.answer(res, 'unauthenticated', appID, { code: AdminCode.ACTION_MISSING });
      }
      const asked = params.one('AppId');
      if (asked !== undefined && asked !== String(appID)) {
        return this.answer(res, action, appID, { code: AdminCode.APP_UNKNOWN });
      }
      await this.run(res, appID, action, params);
    };
  }

  private async run(res: ServerResponse, appID: number, action: string, params: AdminParams): Promise<void> {
    const act = ADMIN_ACTIONS.get(action);
    if (act === undefined)
      return this.answer(res, 'unsupported', appID, { code: AdminCode.ACTION_UNSUPPORTED });
    let result: ActionResult;
    try {
      const ctx: ActionContext = { backend: this.o.backend, now: this.o.now };
      if (this.o.streamQuota !== undefined) ctx.streamQuota = this.o.streamQuota;
      if (this.o.onLimit !== undefined) ctx.onLimit = this.o.onLimit;
      result = await act(ctx, appID, params);
    } catch (error) {
      this.o.log.error({ err: error, action, appID }, 'admin action failed');
      result = { code: AdminCode.INTERNAL };
    }
    this.answer(res, action, appID, result);
  }

  private async paramsOf(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<AdminParams | undefined> {
    let body: Map<string, string[]> | undefined;
    if (req.method === 'POST') {
      const read = await readBody(req, this.o.bodyTimeoutMs);
      if (!read.ok) {
        if (read.late === true) {
          this.o.onBodyTimeout?.();
          // The rest of the body is not waited for: the connection ends with the answer.
          res.setHeader('connection', 'close');
        }
        const status = read.late === true ? 408 : read.tooLarge ? 413 : 400;
        this.send(res, status, 'unreadable', undefined, {
          code: AdminCode.INPUT_ERROR,
          message: 'body too large or cut',
        });
        return undefined;
      }
      body = parseBody(req.headers['content-type'], read.text);
      if (body === undefined) {
        this.send(res, 400, 'unreadable', undefined, {
          code: AdminCode.INPUT_ERROR,
          message: 'body is neither a JSON object nor a form',
        });
        return undefined;
      }
    }
    return AdminParams.from(url.searchParams, body);
  }

  private answer(res: ServerResponse, action: string, appID: number | undefined, result: ActionResult): void {
    this.send(res, HTTP_STATUS[result.code] ?? 200, action, appID, result);
  }

  private send(
    res: ServerResponse,
    status: number,
    action: string,
    appID: number | undefined,
    result: ActionResult,
  ): void {
    const reply: AdminReply = {
      Code: result.code,
      Message: result.message ?? adminCodeMessage(result.code),
      RequestId: newRequestID(),
      Data: result.data ?? {},
    };
    // A caller's own action names are not labels: they could make the metric grow without bound.
    const label = ADMIN_ACTIONS.has(action) || OUTCOME_LABELS.has(action) ? action : 'unsupported';
    this.o.metrics.adminRequest(label, result.code);
    this.o.log.info({ action: label, appID, code: result.code, requestId: reply.RequestId }, 'admin request');
    sendJson(res, status, reply);
  }
}
