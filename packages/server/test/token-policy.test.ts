// Legacy CBC tokens: refused outright with acceptCbcTokens false; accepted by default (ZEGO
// does), but then a refusal never tells a forger whether a flipped IV produced readable claims.
// GCM tokens keep their detailed refusals: only the app's token service can make one decrypt.

import { Buffer } from 'node:buffer';
import { Code } from '@atrium/protocol';
import { encodeToken04, type Token04, verifyToken04 } from '@atrium/token';
import { afterEach, describe, expect, it } from 'vitest';
import { CBC_REFUSAL_EXT } from '../src/auth/token.js';
import { APP_ID, Harness, SECRET } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

const IV = Buffer.from('0123456789abcdef', 'ascii');

function claims(userID: string, o: Partial<Token04> = {}): Token04 {
  const now = Math.floor(Date.now() / 1000);
  return { appID: APP_ID, userID, nonce: 1, ctime: now, expire: now + 3600, payload: '', ...o };
}

const cbc = (c: Token04) => encodeToken04(c, SECRET, { mode: 'cbc', iv: IV });
const gcm = (c: Token04) => encodeToken04(c, SECRET, { mode: 'gcm', iv: IV.subarray(0, 12) });

/** Flips bits of the IV: the first block of the claims changes the same way, undetected. */
function flipIV(token: string, at: number, xor: number): string {
  const bytes = Buffer.from(token.slice(2), 'base64');
  // Layout: expire (8 bytes), IV length (2), IV.
  bytes[10 + at] = (bytes[10 + at] ?? 0) ^ xor;
  return `04${bytes.toString('base64')}`;
}

describe('acceptCbcTokens', () => {
  it('false refuses a CBC token, genuine or not; GCM tokens still log in', async () => {
    const s = await h.server({ acceptCbcTokens: false });
    const c = await h.client(s);
    const refused = await c.login('r1', 'ann', { token: cbc(claims('ann')) });
    expect(refused).toMatchObject({ code: Code.TOKEN_WRONG, ext: 'token cbc not accepted' });
    await c.joined('r1', 'ann', { token: gcm(claims('ann')) });
  });

  it('true (the default) accepts a genuine CBC token', async () => {
    const s = await h.server();
    const c = await h.client(s);
    await c.joined('r1', 'ann', { token: cbc(claims('ann')) });
  });
});

describe('what a refusal may tell', () => {
  it('a CBC token: the same ext whatever failed, and "expired" only for a token naming this user', async () => {
    const s = await h.server();
    const c = await h.client(s);
    const genuine = cbc(claims('ann'));
    // `{"app_id":123456…`: IV byte 15 lies over the app_id's 6th digit; 6 ^ 1 = 7.
    const flipped = flipIV(genuine, 15, 0x01);
    const check = verifyToken04(flipped, SECRET);
    expect(check.ok && check.token.appID).toBe(1234577890);
    const cases = [
      flipped,
      flipIV(genuine, 3, 0x20), // `{"aPp_id"`: no longer the claims' names
      cbc(claims('bob')),
      cbc(claims('ann', { payload: 'not a payload' })),
      cbc(claims('bob', { expire: Math.floor(Date.now() / 1000) - 10 })),
      `${genuine.slice(0, -8)}AAAAAAA=`,
    ];
    for (const token of cases) {
      const reply = await c.login('r1', 'ann', { token });
      expect(reply, token).toMatchObject({ code: Code.TOKEN_WRONG, ext: CBC_REFUSAL_EXT });
    }
    const expired = await c.login('r1', 'ann', {
      token: cbc(claims('ann', { expire: Math.floor(Date.now() / 1000) - 10 })),
    });
    expect(expired.code).toBe(Code.TOKEN_EXPIRED);
  });

  it('a GCM token: the failed check is named (it decrypted, so the app made it)', async () => {
    const s = await h.server();
    const c = await h.client(s);
    expect(await c.login('r1', 'ann', { token: gcm(claims('bob')) })).toMatchObject({
      code: Code.TOKEN_WRONG,
      ext: 'token user_id differs',
    });
    const tampered = flipIV(gcm(claims('ann')), 11, 0x01);
    expect(await c.login('r1', 'ann', { token: tampered })).toMatchObject({
      code: Code.TOKEN_WRONG,
      ext: 'token decrypt failed',
    });
  });
});
