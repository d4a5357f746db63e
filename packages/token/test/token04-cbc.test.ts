// Refusing legacy CBC tokens, and what openToken04 tells beyond verifyToken04.

import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { encodeToken04, openToken04, verifyToken04 } from '../src/index.js';
import { SECRET } from './forge.js';

const claims = {
  appID: 7,
  userID: 'ann',
  nonce: 1,
  ctime: 1_700_000_000,
  expire: 1_700_003_600,
  payload: '',
};
const cbc = encodeToken04(claims, SECRET, { mode: 'cbc', iv: Buffer.alloc(16, 1) });
const gcm = encodeToken04(claims, SECRET, { mode: 'gcm', iv: Buffer.alloc(12, 1) });

describe('acceptCbc', () => {
  it('false refuses a CBC token before decrypting it; GCM is unaffected; the default accepts both', () => {
    const now = 1_700_000_001;
    expect(verifyToken04(cbc, SECRET, now, { acceptCbc: false })).toEqual({
      ok: false,
      code: 1002033,
      reason: 'cbc not accepted',
    });
    expect(verifyToken04(gcm, SECRET, now, { acceptCbc: false })).toEqual({ ok: true, token: claims });
    expect(verifyToken04(cbc, SECRET, now)).toEqual({ ok: true, token: claims });
  });

  it('openToken04 names the mode, and an expired token comes with its claims', () => {
    expect(openToken04(cbc, SECRET, 1_700_000_001)).toEqual({ ok: true, token: claims, mode: 'cbc' });
    expect(openToken04(gcm, SECRET, 1_700_003_600)).toEqual({
      ok: false,
      code: 1002078,
      reason: 'expired at 1700003600',
      token: claims,
      mode: 'gcm',
    });
  });
});
