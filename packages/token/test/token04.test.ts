import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  encodeToken04,
  generateToken04,
  parseTokenPayload,
  type Token04,
  TokenError,
  verifyToken04,
} from '../src/index.js';
import {
  bytesOf,
  CBC_IV,
  claimsJson,
  envelope,
  forge,
  GCM_NONCE,
  gcmSeal,
  SECRET,
  tokenOf,
} from './forge.js';

const PLAIN: Token04 = {
  appID: 1,
  userID: 'demo',
  nonce: 12345,
  ctime: 1_700_000_000,
  expire: 1_700_003_600,
  payload: '',
};
const PRIVILEGED = {
  ...PLAIN,
  payload: '{"room_id":"demo","privilege":{"1":1,"2":0},"stream_id_list":null}',
};
const BEFORE_EXPIRY = 1_700_000_100;

// docs/token04.md, "Test vectors".
const VECTORS = [
  {
    name: 'CBC',
    mode: 'cbc',
    iv: CBC_IV,
    plain: PLAIN,
    token:
      '04AAAAAGVT/xAAEDAxMjM0NTY3ODlhYmNkZWYAYPDOWcZeMCPxbh1dpHzCTREIwK2oIO5x78Qlcu9iUMPYtEdS2l7lPKgPQYvYjzn3bcEz4auBp+QkjzOmpu2+UBd6C1PrVUihmnwfmFIhGjcJBMXj8K+D/zeOQWZy0UyF1w==',
  },
  {
    name: 'GCM',
    mode: 'gcm',
    iv: GCM_NONCE,
    plain: PLAIN,
    token:
      '04AAAAAGVT/xAADDAxMjM0NTY3ODlhYgBvCyp4BFmXo9vH6W67++pmKSYP/GBrslcVz6p0LJgT/ryXLGlZoAbYSE1Tlg5warloCDfsYWBqXJPvoXluwaxKrCnQgY/FkkGHA+rLkVzB5zS75m75tQI7Z/Os2lBhKxgsUK+eDK31k8Va20JR6U+EAQ==',
  },
  {
    name: 'GCM with privileges',
    mode: 'gcm',
    iv: GCM_NONCE,
    plain: PRIVILEGED,
    token:
      '04AAAAAGVT/xAADDAxMjM0NTY3ODlhYgC9Cyp4BFmXo9vH6W67++pmKSYP/GBrslcVz6p0LJgT/ryXLGlZoAbYSE1Tlg5warloCDfsYWBqXJPvoXluwaxKrCnQgY/FkkGHA+rLkVzB5zS75m75tQI7Z/Os2lBhcjkBfHUIkx3SJprxzIQT7RwaxPc3AEFV0rxYhfCUVdqyaXeUaQCwlVweIHHmafK4B2ZJ1itnFMwQTClwJBbKIk2vBHy0B6s5o62xZ/K3fZ94fiknMO0IFwzInepzbvwNAQ==',
  },
] as const;

describe('test vectors', () => {
  for (const v of VECTORS) {
    it(`${v.name}: decodes to its plaintext`, () => {
      expect(verifyToken04(v.token, SECRET, BEFORE_EXPIRY)).toEqual({ ok: true, token: v.plain });
    });

    it(`${v.name}: encodes byte-exactly`, () => {
      expect(encodeToken04(v.plain, SECRET, { mode: v.mode, iv: v.iv })).toBe(v.token);
    });

    it(`${v.name}: is valid until the second before expire, expired from expire on`, () => {
      expect(verifyToken04(v.token, SECRET, v.plain.expire - 1).ok).toBe(true);
      expect(verifyToken04(v.token, SECRET, v.plain.expire)).toEqual({
        ok: false,
        code: 1002078,
        reason: 'expired at 1700003600',
      });
    });
  }

  it('the privileged vector carries a login-only privilege for room demo', () => {
    expect(parseTokenPayload(PRIVILEGED.payload)).toEqual({
      ok: true,
      privileges: { roomID: 'demo', canLogin: true, canPublish: false, streamIDs: null },
    });
  });
});

describe('generateToken04', () => {
  it('round-trips through verifyToken04 with the current time', () => {
    const before = Math.floor(Date.now() / 1000);
    const token = generateToken04(42, 'alice', SECRET, 3600, 'p');
    const after = Math.floor(Date.now() / 1000);
    expect(token.startsWith('04')).toBe(true);
    const result = verifyToken04(token, SECRET);
    if (!result.ok) throw new Error(result.reason);
    const { appID, userID, nonce, ctime, expire, payload } = result.token;
    expect({ appID, userID, payload }).toEqual({ appID: 42, userID: 'alice', payload: 'p' });
    expect(ctime).toBeGreaterThanOrEqual(before);
    expect(ctime).toBeLessThanOrEqual(after);
    expect(expire).toBe(ctime + 3600);
    expect(nonce).toBeGreaterThanOrEqual(-0x80000000);
    expect(nonce).toBeLessThanOrEqual(0x7fffffff);
  });

  it('writes a GCM envelope: 12-byte nonce, tag, mode byte 1; payload defaults to ""', () => {
    const token = generateToken04(1, 'u', SECRET, 60);
    const buf = bytesOf(token);
    expect(buf.readUInt16BE(8)).toBe(12);
    expect(buf.at(-1)).toBe(1);
    const result = verifyToken04(token, SECRET);
    expect(result.ok && result.token.payload).toBe('');
  });

  it('uses a fresh nonce and IV every time', () => {
    expect(generateToken04(1, 'u', SECRET, 60)).not.toBe(generateToken04(1, 'u', SECRET, 60));
  });

  it('accepts the edges: appID 0xFFFFFFFF, a 64-character userID, 1 second', () => {
    const token = generateToken04(0xffffffff, 'x'.repeat(64), SECRET, 1);
    expect(verifyToken04(token, SECRET).ok).toBe(true);
  });

  const cases: [string, () => string, number][] = [
    ['appID 0', () => generateToken04(0, 'u', SECRET, 60), 1],
    ['negative appID', () => generateToken04(-1, 'u', SECRET, 60), 1],
    ['fractional appID', () => generateToken04(1.5, 'u', SECRET, 60), 1],
    ['appID over uint32', () => generateToken04(2 ** 32, 'u', SECRET, 60), 1],
    ['NaN appID', () => generateToken04(Number.NaN, 'u', SECRET, 60), 1],
    ['empty userID', () => generateToken04(1, '', SECRET, 60), 3],
    ['65-character userID', () => generateToken04(1, 'x'.repeat(65), SECRET, 60), 3],
    ['31-character secret', () => generateToken04(1, 'u', SECRET.slice(1), 60), 5],
    ['33-character secret', () => generateToken04(1, 'u', `${SECRET}0`, 60), 5],
    ['non-ASCII secret', () => generateToken04(1, 'u', `é${SECRET.slice(1)}`, 60), 5],
    ['effective time 0', () => generateToken04(1, 'u', SECRET, 0), 6],
    ['negative effective time', () => generateToken04(1, 'u', SECRET, -60), 6],
    ['fractional effective time', () => generateToken04(1, 'u', SECRET, 1.5), 6],
    ['infinite effective time', () => generateToken04(1, 'u', SECRET, Number.POSITIVE_INFINITY), 6],
  ];
  for (const [name, call, code] of cases) {
    it(`rejects ${name} with code ${code}`, () => {
      const error = catchError(call);
      expect(error).toBeInstanceOf(TokenError);
      expect(error).toMatchObject({ code, name: 'TokenError' });
    });
  }

  it('says "appID invalid" for code 1', () => {
    expect(catchError(() => generateToken04(0, 'u', SECRET, 60))).toMatchObject({ message: 'appID invalid' });
  });
});

describe('encodeToken04', () => {
  it('refuses an IV of the wrong length for its mode', () => {
    expect(() => encodeToken04(PLAIN, SECRET, { mode: 'gcm', iv: CBC_IV })).toThrow(RangeError);
    expect(() => encodeToken04(PLAIN, SECRET, { mode: 'cbc', iv: GCM_NONCE })).toThrow(RangeError);
  });

  it('refuses a bad secret with code 5', () => {
    expect(catchError(() => encodeToken04(PLAIN, 'short', { mode: 'gcm', iv: GCM_NONCE }))).toMatchObject({
      code: 5,
    });
  });
});

describe('verifyToken04: expiry', () => {
  it('reports a token encoded with a past expire as expired, by the clock and by nowSec', () => {
    const past = { ...PLAIN, expire: Math.floor(Date.now() / 1000) - 10 };
    for (const mode of ['gcm', 'cbc'] as const) {
      const token = encodeToken04(past, SECRET, { mode, iv: mode === 'gcm' ? GCM_NONCE : CBC_IV });
      expect(verifyToken04(token, SECRET)).toMatchObject({ ok: false, code: 1002078 });
      expect(verifyToken04(token, SECRET, past.expire - 1).ok).toBe(true);
    }
  });

  it('does not report a forged token as expired', () => {
    const token = encodeToken04(PLAIN, SECRET, { mode: 'gcm', iv: GCM_NONCE });
    expect(verifyToken04(token, 'ffffffffffffffffffffffffffffffff', 2_000_000_000)).toMatchObject({
      code: 1002033,
    });
  });
});

describe('verifyToken04: wrong tokens (1002033)', () => {
  const gcm = VECTORS[1].token;
  const gcmBytes = bytesOf(gcm);
  const OTHER_SECRET = '00000000000000000000000000000000';
  const gcmCipher = gcmSeal(Buffer.from(claimsJson()));

  const cases: [string, unknown, string][] = [
    ['a number', 42, 'not a string'],
    ['null', null, 'not a string'],
    ['an object', { token: gcm }, 'not a string'],
    ['the empty string', '', 'bad prefix'],
    ['another version prefix', `03${gcm.slice(2)}`, 'bad prefix'],
    ['no prefix', gcm.slice(2), 'bad prefix'],
    ['an over-long string', `04${'A'.repeat(200_000)}`, 'too long'],
    ['base64 with a bad character', `${gcm.slice(0, 10)}!${gcm.slice(11)}`, 'bad base64'],
    ['base64 with whitespace', `${gcm.slice(0, 10)} ${gcm.slice(11)}`, 'bad base64'],
    ['base64 of the wrong length', gcm.slice(0, -1), 'bad base64'],
    ['base64url', tokenOf(gcmBytes).replaceAll('+', '-').replaceAll('/', '_'), 'bad base64'],
    ['base64 with stray bits', '04QR==', 'bad base64'],
    ['no body', '04', 'truncated'],
    ['11 bytes', tokenOf(gcmBytes.subarray(0, 11)), 'truncated'],
    ['an iv running past the end', tokenOf(gcmBytes.subarray(0, 20)), 'truncated'],
    ['a cipher running past the end', tokenOf(gcmBytes.subarray(0, -2)), 'truncated'],
    ['two trailing bytes', tokenOf(Buffer.concat([gcmBytes, Buffer.of(1)])), 'trailing bytes'],
    ['mode byte 0', tokenOf(Buffer.concat([gcmBytes.subarray(0, -1), Buffer.of(0)])), 'bad mode'],
    ['mode byte 2', tokenOf(Buffer.concat([gcmBytes.subarray(0, -1), Buffer.of(2)])), 'bad mode'],
    ['a 16-byte GCM iv', raw(CBC_IV, gcmCipher, [1]), 'bad iv length'],
    ['a 12-byte CBC iv', raw(GCM_NONCE, Buffer.alloc(32), []), 'bad iv length'],
    ['a GCM cipher shorter than its tag', raw(GCM_NONCE, Buffer.alloc(15), [1]), 'bad cipher length'],
    ['an empty CBC cipher', raw(CBC_IV, Buffer.alloc(0), []), 'bad cipher length'],
    ['a CBC cipher of 17 bytes', raw(CBC_IV, Buffer.alloc(17), []), 'bad cipher length'],
    ['a tampered GCM tag', tokenOf(flipByte(gcmBytes, gcmBytes.length - 2)), 'decrypt failed'],
    ['a tampered GCM cipher', tokenOf(flipByte(gcmBytes, 30)), 'decrypt failed'],
    ['a tampered header expire', tokenOf(flipByte(gcmBytes, 7)), 'expire mismatch'],
    ['GCM plaintext that is not JSON', forge('not json', 'gcm'), 'bad json'],
    ['GCM plaintext that is not UTF-8', forge(Uint8Array.of(0xff, 0xfe), 'gcm'), 'bad json'],
    ['GCM plaintext that is an array', forge('[1]', 'gcm'), 'bad json: not an object'],
    ['GCM plaintext that is null', forge('null', 'gcm'), 'bad json: not an object'],
    ['app_id missing', forge(claimsJson({ app_id: undefined }), 'gcm'), 'bad json: app_id'],
    ['app_id a string', forge(claimsJson({ app_id: '1' }), 'gcm'), 'bad json: app_id'],
    ['app_id over uint32', forge(claimsJson({ app_id: 2 ** 32 }), 'gcm'), 'bad json: app_id'],
    ['user_id missing', forge(claimsJson({ user_id: undefined }), 'gcm'), 'bad json: user_id'],
    ['user_id a number', forge(claimsJson({ user_id: 7 }), 'gcm'), 'bad json: user_id'],
    ['nonce fractional', forge(claimsJson({ nonce: 0.5 }), 'gcm'), 'bad json: nonce'],
    ['nonce missing', forge(claimsJson({ nonce: undefined }), 'gcm'), 'bad json: nonce'],
    ['ctime a string', forge(claimsJson({ ctime: '1700000000' }), 'gcm'), 'bad json: ctime'],
    ['expire missing', forge(claimsJson({ expire: undefined }), 'gcm'), 'bad json: expire'],
    ['expire null', forge(claimsJson({ expire: null }), 'gcm'), 'bad json: expire'],
    ['payload missing', forge(claimsJson({ payload: undefined }), 'gcm'), 'bad json: payload'],
    ['payload an object', forge(claimsJson({ payload: {} }), 'gcm'), 'bad json: payload'],
    ['JSON expire unlike the header', forge(claimsJson({ expire: 4_000_000_001 }), 'gcm'), 'expire mismatch'],
    // CBC is unauthenticated, so its post-decryption failures are deliberately indistinguishable.
    ['CBC plaintext that is not JSON', forge('not json', 'cbc'), 'decrypt failed'],
    ['CBC JSON without user_id', forge(claimsJson({ user_id: undefined }), 'cbc'), 'decrypt failed'],
    ['CBC JSON expire unlike the header', forge(claimsJson({ expire: 1 }), 'cbc'), 'decrypt failed'],
  ];
  for (const [name, token, reason] of cases) {
    it(`rejects ${name}: ${reason}`, () => {
      expect(verifyToken04(token as string, SECRET, BEFORE_EXPIRY)).toEqual({
        ok: false,
        code: 1002033,
        reason,
      });
    });
  }

  it('rejects every vector under the wrong secret', () => {
    for (const v of VECTORS) {
      expect(verifyToken04(v.token, OTHER_SECRET, BEFORE_EXPIRY)).toEqual({
        ok: false,
        code: 1002033,
        reason: 'decrypt failed',
      });
    }
  });

  it('rejects a secret that cannot be a key, and a clock that is not a number', () => {
    for (const secret of ['', SECRET.slice(1), `é${SECRET.slice(1)}`, 5 as unknown as string]) {
      expect(verifyToken04(gcm, secret, BEFORE_EXPIRY)).toEqual({
        ok: false,
        code: 1002033,
        reason: 'secret invalid',
      });
    }
    for (const now of [Number.NaN, Number.POSITIVE_INFINITY, '1' as unknown as number]) {
      expect(verifyToken04(gcm, SECRET, now)).toEqual({ ok: false, code: 1002033, reason: 'nowSec invalid' });
    }
  });

  it('accepts claims written by other generators: other key order, negative or wide nonce, extra keys', () => {
    const json =
      '{"payload":"","expire":4000000000,"ctime":1,"nonce":-2147483648,"user_id":"u","app_id":7,"x":1}';
    expect(verifyToken04(forge(json, 'gcm'), SECRET, BEFORE_EXPIRY)).toMatchObject({
      ok: true,
      token: { appID: 7, userID: 'u', nonce: -2147483648 },
    });
    expect(verifyToken04(forge(claimsJson({ nonce: 2 ** 40 }), 'cbc'), SECRET, BEFORE_EXPIRY).ok).toBe(true);
  });
});

function raw(iv: Uint8Array, cipher: Uint8Array, tail: number[]): string {
  return tokenOf(envelope({ expire: 4_000_000_000n, iv, cipher, tail: Uint8Array.from(tail) }));
}

function flipByte(buf: Buffer, index: number): Buffer {
  const copy = Buffer.from(buf);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

function catchError(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
