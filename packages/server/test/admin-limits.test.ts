// The admin API under abuse: a used signed URL replayed in a loop (from an access log, say) must
// not starve its owner's calls; a request refused with 429 must never run later; the limits are
// per app and per source address; the nonce cache stays bounded without reopening replays.

import { request } from 'node:http';
import { AdminCode } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';
import { authenticate, NonceCache, SIGNATURE_WINDOW_MS } from '../src/admin/auth.js';
import { AdminParams } from '../src/admin/params.js';
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
  it('is bounded per app; a nonce it had to forget is still refused (its timestamp is too old now)', () => {
    const cache = new NonceCache(600_000, 3);
    const now = 1_000_000_000;
    expect(cache.remember(1, 'a', now - 3000, now)).toBeGreaterThan(0);
    expect(cache.remember(1, 'b', now - 2000, now)).toBeGreaterThan(0);
    expect(cache.remember(1, 'c', now - 1000, now)).toBeGreaterThan(0);
    expect(cache.remember(1, 'd', now, now)).toBeGreaterThan(0);
    expect(cache.size(1)).toBe(3);
    // 'a' was forgotten, but a replay of it (same timestamp) is refused all the same.
    expect(cache.isOutside(1, now - 3000, now)).toBe(true);
    expect(cache.remember(1, 'a', now - 3000, now)).toBe(0);
    expect(cache.remember(1, 'b', now - 2000, now)).toBe(0);
    // A request signed later is fine.
    expect(cache.isOutside(1, now + 1000, now + 1000)).toBe(false);
    expect(cache.remember(1, 'e', now + 1000, now + 1000)).toBeGreaterThan(0);
    for (let i = 0; i < 1000; i++) cache.remember(2, `n${i}`, now + 2000 + i, now + 2000);
    expect(cache.size(1)).toBe(3);
    expect(cache.size(2)).toBe(3);
  });

  it('one app filling its cache with future-dated nonces refuses nobody else, and its own present calls still pass', () => {
    const A = 111;
    const B = 222;
    const secretA = 'a'.repeat(32);
    const secretB = 'b'.repeat(32);
    const nonces = new NonceCache(SIGNATURE_WINDOW_MS, 50);
    let now = 1_700_000_000_000;
    const ctx = {
      secrets: new Map([
        [A, secretA],
        [B, secretB],
      ]),
      nonces,
      now: () => now,
    };
    const call = (appID: number, secret: string, nonce: string, timestamp: number) =>
      authenticate(
        AdminParams.from(
          new URLSearchParams({
            Action: 'DescribeUserNum',
            AppId: String(appID),
            SignatureNonce: nonce,
            Timestamp: String(timestamp),
            SignatureVersion: '2.0',
            Signature: adminSignature(appID, nonce, secret, timestamp),
          }),
          undefined,
        ),
        ctx,
      );
    const seconds = () => Math.floor(now / 1000);
    // A holder of A's secret only: 500 nonces signed 599 s ahead, ten times the cache.
    const future = seconds() + 599;
    for (let i = 0; i < 500; i++) call(A, secretA, `a-${i}`, future);
    for (const dt of [0, 60, 300, 598]) {
      now = 1_700_000_000_000 + dt * 1000;
      expect(call(B, secretB, `b-${dt}`, seconds()), `B at +${dt}s`).toMatchObject({ ok: true });
      expect(call(A, secretA, `a-now-${dt}`, seconds()), `A at +${dt}s`).toMatchObject({ ok: true });
    }
    // What A's cache forgot stays unusable: a future-dated nonce it let go is refused, not run.
    expect(call(A, secretA, 'a-0', future)).toMatchObject({ ok: false });
    expect(call(A, secretA, 'a-499', future)).toMatchObject({ ok: false });
    // The cut-off below never passed the clock: a call signed a second ago is fine.
    expect(call(A, secretA, 'a-late', seconds() - 1)).toMatchObject({ ok: true });
    expect(nonces.size(A)).toBe(50);
  });

  it('forgetting present-dated nonces raises the cut-off no further than the oldest forgotten', () => {
    const nonces = new NonceCache(SIGNATURE_WINDOW_MS, 3);
    const now = 1_700_000_000_000;
    // Old ones first, then a flood of fresh ones: the old go, the fresh stay acceptable.
    nonces.remember(1, 'old', now - 500_000, now);
    for (let i = 0; i < 10; i++) nonces.remember(1, `n${i}`, now, now);
    expect(nonces.isOutside(1, now - 500_000, now)).toBe(true);
    expect(nonces.isOutside(1, now + 1000, now)).toBe(false);
    expect(nonces.isOutside(2, now - 500_000, now)).toBe(false);
  });
});
