// The admin API under abuse: a used signed URL replayed in a loop (from an access log, say) must
// not starve its owner's calls; a request refused with 429 must never run later; the limits are
// per app and per source address; the nonce cache stays bounded without reopening replays.

import { request } from 'node:http';
import { AdminCode } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';
import { NonceCache } from '../src/admin/auth.js';
import { type AdminReply, adminSignature, type RoomServer } from '../src/index.js';
import { admin, newNonce } from './admin-helpers.js';
import { APP_ID, Harness, SECRET } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

/** The URL of one signed call, to send (and send again) as it is. */
function signedUrl(s: RoomServer, action: string, roomID: string): string {
  const nonce = newNonce();
  const timestamp = Math.floor(Date.now() / 1000);
  const query = new URLSearchParams({
    Action: action,
    AppId: String(APP_ID),
    SignatureNonce: nonce,
    Timestamp: String(timestamp),
    SignatureVersion: '2.0',
    Signature: adminSignature(APP_ID, nonce, SECRET, timestamp),
  });
  query.append('RoomId[]', roomID);
  return `${s.httpUrl}/?${query}`;
}

async function send(url: string): Promise<{ status: number; reply: AdminReply }> {
  const res = await fetch(url);
  return { status: res.status, reply: (await res.json()) as AdminReply };
}

/** A GET from a given loopback address (127.0.0.2 is this machine too, but another source). */
function sendFrom(localAddress: string, url: string): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve(JSON.parse(text) as AdminReply));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a replayed nonce', () => {
  it('is refused before the rate limit is charged: every legitimate call passes while a used URL is replayed', async () => {
    const s = await h.server({ adminRateLimitPerSec: 20 });
    const used = signedUrl(s, 'DescribeUserNum', 'r');
    expect((await send(used)).reply.Code).toBe(0);
    // 19 legitimate calls (the bucket's 20 less the one above) among 400 replays, all at once.
    const replays = Array.from({ length: 400 }, () => send(used));
    const legit = Array.from({ length: 19 }, () => send(signedUrl(s, 'DescribeUserNum', 'r')));
    const [replayed, served] = await Promise.all([Promise.all(replays), Promise.all(legit)]);
    expect(served.map((a) => a.reply.Code)).toEqual(Array(19).fill(0));
    for (const a of replayed) {
      expect(a.reply.Code).toBe(AdminCode.NONCE_REUSED);
      expect(a.status).toBe(200);
    }
  });

  it('a request refused with 429 has spent its nonce: sent again once the limit refilled, it is refused', async () => {
    const s = await h.server({ adminRateLimitPerSec: 1 });
    expect((await admin(s, 'DescribeUserNum', { RoomId: ['r'] })).reply.Code).toBe(0);
    const limited = signedUrl(s, 'DescribeUserNum', 'r');
    const first = await send(limited);
    expect(first.status).toBe(429);
    expect(first.reply.Code).toBe(AdminCode.RATE_LIMITED);
    // Sent again until it is not rate limited any more (the bucket refills in a second): it
    // must then be refused as a replay, not run.
    let again = await send(limited);
    await until(
      async () => {
        if (again.reply.Code !== AdminCode.RATE_LIMITED) return true;
        again = await send(limited);
        return false;
      },
      { timeoutMs: 5000, everyMs: 100 },
    );
    expect(again.reply.Code).toBe(AdminCode.NONCE_REUSED);
  });
});

describe('the rate limits', () => {
  it('are per source address as well as per app', async () => {
    const s = await h.server({ adminRateLimitPerSec: 1000, adminRateLimitPerSourcePerSec: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push((await sendFrom('127.0.0.1', signedUrl(s, 'DescribeUserNum', 'r'))).Code);
    }
    expect(codes.slice(0, 3)).toEqual([0, 0, 0]);
    expect(codes.slice(3)).toContain(AdminCode.RATE_LIMITED);
    // Another address of the same app still has its budget.
    expect((await sendFrom('127.0.0.2', signedUrl(s, 'DescribeUserNum', 'r'))).Code).toBe(0);
  });
});

describe('the nonce cache', () => {
  it('is bounded; a nonce it had to forget is still refused (its timestamp is too old now)', () => {
    const cache = new NonceCache(600_000, 3);
    const now = 1_000_000_000;
    expect(cache.remember(1, 'a', now - 3000, now)).toBeGreaterThan(0);
    expect(cache.remember(1, 'b', now - 2000, now)).toBeGreaterThan(0);
    expect(cache.remember(1, 'c', now - 1000, now)).toBeGreaterThan(0);
    expect(cache.remember(1, 'd', now, now)).toBeGreaterThan(0);
    expect(cache.size).toBe(3);
    // 'a' was forgotten, but a replay of it (same timestamp) is refused all the same.
    expect(cache.isTooOld(now - 3000)).toBe(true);
    expect(cache.remember(1, 'a', now - 3000, now)).toBe(0);
    expect(cache.remember(1, 'b', now - 2000, now)).toBe(0);
    // A request signed later is fine.
    expect(cache.isTooOld(now + 1000)).toBe(false);
    expect(cache.remember(1, 'e', now + 1000, now + 1000)).toBeGreaterThan(0);
    for (let i = 0; i < 1000; i++) cache.remember(2, `n${i}`, now + 2000 + i, now + 2000);
    expect(cache.size).toBe(3);
  });
});
