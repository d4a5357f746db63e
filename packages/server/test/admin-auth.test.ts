// The admin API's gate over real HTTP: ZEGO's signature (docs/token04.md example), the
// timestamp window, nonce replay, public-parameter errors, the per-app rate limit, the ways
// parameters may arrive, and the unsigned development-mode door the demo page uses.

import { AdminCode, Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { adminSignature } from '../src/index.js';
import { admin, adminOk, newNonce } from './admin-helpers.js';
import { APP_ID, Harness, OTHER_APP_ID, OTHER_SECRET } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('the server API signature', () => {
  it('is md5(AppId + SignatureNonce + ServerSecret + Timestamp), lowercase hex (docs/token04.md example)', () => {
    expect(adminSignature(12345, '4fd24687296dd9f3', '9193cc662a4c0ec135ec71fb57194b38', 1615186943)).toBe(
      '43e5cfcca828314675f91b001390566a',
    );
  });

  it('a signed request is answered { Code, Message, RequestId, Data } with HTTP 200', async () => {
    const s = await h.server();
    const { status, reply } = await admin(s, 'DescribeUserNum', { RoomId: ['nobody-here'] });
    expect(status).toBe(200);
    expect(reply).toEqual({
      Code: 0,
      Message: 'success',
      RequestId: expect.stringMatching(/^\d+$/),
      Data: { UserCountList: [{ RoomId: 'nobody-here', UserCount: 0, AdminUserCount: 0 }] },
    });
  });

  it('refuses a wrong signature (100000005), another app’s secret, and a signature of other values', async () => {
    const s = await h.server();
    const wrong = await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { signature: '0'.repeat(32) });
    expect(wrong.reply.Code).toBe(AdminCode.SIGNATURE_WRONG);
    expect(wrong.status).toBe(200);
    const otherSecret = await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { secret: OTHER_SECRET });
    expect(otherSecret.reply.Code).toBe(AdminCode.SIGNATURE_WRONG);
    const short = await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { signature: 'abc' });
    expect(short.reply.Code).toBe(AdminCode.SIGNATURE_WRONG);
    // The other app, signed with its own secret, is fine.
    expect(
      (await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { appID: OTHER_APP_ID, secret: OTHER_SECRET }))
        .reply.Code,
    ).toBe(0);
    // Uppercase hex is the same signature.
    const nonce = newNonce();
    const ts = Math.floor(Date.now() / 1000);
    const upper = adminSignature(APP_ID, nonce, 'fa94dd0f974cf2e293728a526b028271', ts).toUpperCase();
    expect(
      (await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { nonce, timestampSec: ts, signature: upper }))
        .reply.Code,
    ).toBe(0);
  });

  it('refuses a timestamp more than 10 minutes off either way (100000004); 9 minutes is fine', async () => {
    let skewMs = 0;
    const s = await h.server({ now: () => Date.now() + skewMs });
    const now = Math.floor(Date.now() / 1000);
    const call = (timestampSec: number) => admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { timestampSec });
    expect((await call(now - 11 * 60)).reply.Code).toBe(AdminCode.SIGNATURE_EXPIRED);
    expect((await call(now + 11 * 60)).reply.Code).toBe(AdminCode.SIGNATURE_EXPIRED);
    expect((await call(now - 9 * 60)).reply.Code).toBe(0);
    expect((await call(now + 9 * 60)).reply.Code).toBe(0);
    // It is the server's clock that counts.
    skewMs = 20 * 60_000;
    expect((await call(now)).reply.Code).toBe(AdminCode.SIGNATURE_EXPIRED);
    expect((await call(now + 20 * 60)).reply.Code).toBe(0);
  });

  it('refuses a SignatureNonce already used within 10 minutes (3), even with a fresh signature', async () => {
    const s = await h.server();
    const nonce = newNonce();
    const ts = Math.floor(Date.now() / 1000);
    expect(
      (await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { nonce, timestampSec: ts })).reply.Code,
    ).toBe(0);
    const replay = await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { nonce, timestampSec: ts });
    expect(replay.reply).toMatchObject({
      Code: AdminCode.NONCE_REUSED,
      Message: 'SignatureNonce already used',
    });
    const resigned = await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { nonce, timestampSec: ts - 1 });
    expect(resigned.reply.Code).toBe(AdminCode.NONCE_REUSED);
    // Nonces are per app; a failed signature does not burn a nonce.
    expect(
      (
        await admin(
          s,
          'DescribeUserNum',
          { RoomId: ['r'] },
          { nonce, appID: OTHER_APP_ID, secret: OTHER_SECRET },
        )
      ).reply.Code,
    ).toBe(0);
    const fresh = newNonce();
    expect(
      (await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { nonce: fresh, signature: 'f'.repeat(32) }))
        .reply.Code,
    ).toBe(AdminCode.SIGNATURE_WRONG);
    expect((await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, { nonce: fresh })).reply.Code).toBe(0);
  });

  it('names each missing or malformed public parameter with ZEGO’s code', async () => {
    const s = await h.server();
    const cases: [Parameters<typeof admin>[3], number][] = [
      // A GET of / without an Action is the page; a POST is the admin API.
      [{ omit: ['Action'], method: 'POST' }, AdminCode.ACTION_MISSING],
      [{ omit: ['AppId'] }, AdminCode.APP_ID_INVALID],
      [{ omit: ['SignatureNonce'] }, AdminCode.NONCE_MISSING],
      [{ omit: ['Timestamp'] }, AdminCode.TIMESTAMP_MISSING],
      [{ timestampSec: -5 }, AdminCode.TIMESTAMP_INVALID],
      [{ omit: ['Signature'] }, AdminCode.SIGNATURE_MISSING],
      [{ omit: ['SignatureVersion'] }, AdminCode.SIGNATURE_VERSION_MISSING],
      [{ version: '1.0' }, AdminCode.SIGNATURE_VERSION_UNSUPPORTED],
      [{ appID: 42 }, AdminCode.APP_UNKNOWN],
    ];
    for (const [o, code] of cases) {
      const { reply } = await admin(s, 'DescribeUserNum', { RoomId: ['r'] }, o);
      expect(reply.Code, JSON.stringify(o)).toBe(code);
      expect(reply.Message).not.toBe('');
    }
  });

  it('an unknown Action is refused with 100000007 once the request is signed', async () => {
    const s = await h.server();
    const { status, reply } = await admin(s, 'DropDatabase');
    expect(status).toBe(200);
    expect(reply.Code).toBe(AdminCode.ACTION_UNSUPPORTED);
  });
});

describe('the per-app rate limit', () => {
  it('answers HTTP 429 with Code 7 past adminRateLimitPerSec; other apps keep their own budget; it refills', async () => {
    const s = await h.server({ adminRateLimitPerSec: 5 });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => admin(s, 'DescribeUserNum', { RoomId: ['r'] })),
    );
    const limited = answers.filter((a) => a.reply.Code === AdminCode.RATE_LIMITED);
    const served = answers.filter((a) => a.reply.Code === 0);
    // A burst of one second's worth (5), plus whatever refilled while the 12 were in flight.
    expect(served.length).toBeGreaterThanOrEqual(5);
    expect(limited.length).toBeGreaterThan(0);
    expect(served.length + limited.length).toBe(12);
    for (const a of limited) expect(a.status).toBe(429);
    const other = await admin(
      s,
      'DescribeUserNum',
      { RoomId: ['r'] },
      { appID: OTHER_APP_ID, secret: OTHER_SECRET },
    );
    expect(other.reply.Code).toBe(0);
    // One token comes back every 200 ms.
    let code: number = AdminCode.RATE_LIMITED;
    const deadline = Date.now() + 5000;
    while (code === AdminCode.RATE_LIMITED && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      code = (await admin(s, 'DescribeUserNum', { RoomId: ['r'] })).reply.Code;
    }
    expect(code).toBe(0);
  });
});

describe('how parameters arrive', () => {
  it('GET query, POST query, POST JSON body and POST form body are the same request', async () => {
    const s = await h.server();
    const c = await h.client(s);
    await c.joined('room-a', 'ann');
    for (const method of ['GET', 'POST', 'POST-JSON', 'POST-FORM'] as const) {
      const data = await adminOk(
        s,
        'DescribeUsers',
        { RoomId: 'room-a', UserId: ['ann', 'bob'] },
        { method },
      );
      expect(data.UserList, method).toMatchObject([
        { UserId: 'ann', Status: 1 },
        { UserId: 'bob', Status: 0 },
      ]);
    }
  });

  it('a JSON body that is not an object of strings → 400 with Code 2; over 64 KiB → 413', async () => {
    const s = await h.server();
    const url = `${s.httpUrl}/?Action=DescribeUserNum`;
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[1,2',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { Code: number }).Code).toBe(AdminCode.INPUT_ERROR);
    const nested = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ RoomId: { deep: true } }),
    });
    expect(nested.status).toBe(400);
    const big = await fetch(url, { method: 'POST', body: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
  });

  it('GET / without an Action is still the page, not the admin API', async () => {
    const s = await h.server({ staticDir: '/nonexistent-atrium-dir' });
    const res = await fetch(`${s.httpUrl}/`);
    expect(res.headers.get('content-type')).toContain('text/html');
  });
});

describe('POST /dev/admin (development mode)', () => {
  it('runs the actions for the dev app unsigned, with the demo page’s query (Action, RoomId, UserId[], AppId)', async () => {
    const s = await h.server({ devMode: true });
    const [ann, bob] = [await h.client(s), await h.client(s)];
    await ann.joined('kick', 'ann');
    await bob.joined('kick', 'bob');
    const call = async (query: string) => {
      const res = await fetch(`${s.httpUrl}/dev/admin?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      return {
        status: res.status,
        body: (await res.json()) as { Code: number; Data: Record<string, unknown> },
      };
    };
    const list = await call(`Action=DescribeUserList&RoomId=kick&AppId=${APP_ID}`);
    expect(list.body.Code).toBe(0);
    expect(list.body.Data.UserList).toEqual([
      { UserId: 'ann', UserName: 'ann' },
      { UserId: 'bob', UserName: 'bob' },
    ]);
    const streams = await call('Action=DescribeSimpleStreamList&RoomId=kick');
    expect(streams.body.Data).toEqual({ StreamList: [] });
    expect(
      (await call(`Action=KickoutUser&RoomId=kick&${encodeURIComponent('UserId[]')}=ann&AppId=${APP_ID}`))
        .body.Code,
    ).toBe(0);
    expect(await ann.waitFor((f) => f.t === 'kick')).toMatchObject({ code: Code.KICKED_BY_BACKEND });
    expect((await call(`Action=DescribeUserNum&RoomId[]=kick&AppId=${OTHER_APP_ID}`)).body.Code).toBe(
      AdminCode.APP_UNKNOWN,
    );
    expect((await call('Action=Nope')).body.Code).toBe(AdminCode.ACTION_UNSUPPORTED);
    // The signed API still wants its signature in development mode.
    const unsigned = await fetch(`${s.httpUrl}/?Action=DescribeUserNum&RoomId[]=kick&AppId=${APP_ID}`);
    expect(((await unsigned.json()) as { Code: number }).Code).toBe(AdminCode.NONCE_MISSING);
  });

  it('does not exist outside development mode (404, which the demo page reads as "no admin API")', async () => {
    const s = await h.server();
    const res = await fetch(`${s.httpUrl}/dev/admin?Action=DescribeUserList&RoomId=r`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(404);
  });
});
