// Calling the admin API as a business backend would: ZEGO's public parameters, signed with the
// app's secret, over real HTTP; and a webhook receiver that records what the server POSTs.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AdminReply, adminSignature, type RoomServer } from '../src/index.js';
import { APP_ID, SECRET } from './helpers.js';

export type AdminInput = Record<string, string | number | string[]>;

export interface AdminCallOptions {
  appID?: number;
  secret?: string;
  nonce?: string;
  timestampSec?: number;
  version?: string;
  /** Sent instead of the right signature. */
  signature?: string;
  /** Public parameters left out. */
  omit?: string[];
  /** GET (default), or POST with the action's parameters in the query, a JSON body or a form body. */
  method?: 'GET' | 'POST' | 'POST-JSON' | 'POST-FORM';
}

export interface AdminAnswer {
  status: number;
  reply: AdminReply;
}

export const newNonce = (): string => randomBytes(8).toString('hex');

/** One signed admin call. Lists go as `Name[]=a&Name[]=b`, or as a JSON array. */
export async function admin(
  server: Pick<RoomServer, 'httpUrl'>,
  action: string,
  input: AdminInput = {},
  o: AdminCallOptions = {},
): Promise<AdminAnswer> {
  const appID = o.appID ?? APP_ID;
  const nonce = o.nonce ?? newNonce();
  const timestamp = o.timestampSec ?? Math.floor(Date.now() / 1000);
  const pub: Record<string, string> = {
    Action: action,
    AppId: String(appID),
    SignatureNonce: nonce,
    Timestamp: String(timestamp),
    SignatureVersion: o.version ?? '2.0',
    Signature: o.signature ?? adminSignature(appID, nonce, o.secret ?? SECRET, timestamp),
  };
  for (const name of o.omit ?? []) delete pub[name];
  const query = new URLSearchParams(pub);
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(input)) {
    if (Array.isArray(value)) for (const v of value) form.append(`${name}[]`, v);
    else form.append(name, String(value));
  }
  const method = o.method ?? 'GET';
  let init: RequestInit = { method: method === 'GET' ? 'GET' : 'POST' };
  if (method === 'GET' || method === 'POST') {
    for (const [name, value] of form) query.append(name, value);
  } else if (method === 'POST-JSON') {
    init = { ...init, headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) };
  } else {
    init = {
      ...init,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    };
  }
  const res = await fetch(`${server.httpUrl}/?${query}`, init);
  return { status: res.status, reply: (await res.json()) as AdminReply };
}

/** Expects Code 0 and returns Data. */
export async function adminOk(
  server: Pick<RoomServer, 'httpUrl'>,
  action: string,
  input: AdminInput = {},
  o: AdminCallOptions = {},
): Promise<Record<string, unknown>> {
  const { reply } = await admin(server, action, input, o);
  if (reply.Code !== 0) throw new Error(`${action} failed: ${JSON.stringify(reply)}`);
  return reply.Data;
}

export interface Received {
  body: Record<string, unknown>;
  /** 1 for the first request carrying this event_id, 2 for its first retry… */
  attempt: number;
  at: number;
  /** Resolves if the sender closes the connection before this request is answered. */
  cut: Promise<void>;
}

type Answer = (r: Received) => number | Promise<number>;

/** An HTTP server standing in for the business backend's webhook endpoint. */
export class WebhookReceiver {
  /** Every request, in arrival order. */
  readonly requests: Received[] = [];
  /** Decides each answer's status (and may hold it back); 200 by default. */
  answer: Answer = () => 200;
  private readonly attempts = new Map<string, number>();
  private waiters: { pred: (r: Received[]) => boolean; resolve: () => void }[] = [];
  private readonly server = createServer((req, res) => void this.handle(req, res));

  static async start(): Promise<WebhookReceiver> {
    const r = new WebhookReceiver();
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Bodies of the requests answered 2xx, in arrival order. */
  delivered: Record<string, unknown>[] = [];

  /** Resolves once `pred` holds for the requests received so far. */
  until(pred: (requests: Received[]) => boolean, timeoutMs = 8000): Promise<void> {
    if (pred(this.requests)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `webhook receiver: timed out; got ${JSON.stringify(this.requests.map((r) => r.body.event))}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Events delivered (2xx) so far, by name, optionally of one room. */
  events(roomID?: string): string[] {
    return this.delivered
      .filter((b) => roomID === undefined || b.room_id === roomID)
      .map((b) => String(b.event));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const id = String(body.event_id);
    const attempt = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, attempt);
    let onCut = () => {};
    const cut = new Promise<void>((resolve) => {
      onCut = resolve;
    });
    res.once('close', () => {
      if (!res.writableEnded) onCut();
    });
    const received = { body, attempt, at: performance.now(), cut };
    this.requests.push(received);
    this.notify();
    const status = await this.answer(received);
    if (status >= 200 && status < 300) this.delivered.push(body);
    res.writeHead(status).end();
    this.notify();
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(this.requests)) return true;
      w.resolve();
      return false;
    });
  }
}
