import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeToken04, generateToken04, verifyToken04 } from '../src/index.js';
import { bytesOf, envelope, SECRET, tokenOf } from './forge.js';

const NOW = 1_700_000_000;

function expectWrong(token: unknown): void {
  const result = verifyToken04(token as string, SECRET, NOW);
  expect(result).toMatchObject({ ok: false, code: 1002033 });
  expect(result.ok === false && result.reason.length > 0).toBe(true);
}

describe('verifyToken04 never throws and refuses garbage', () => {
  it('any JavaScript value', () => {
    fc.assert(fc.property(fc.anything(), (value) => expectWrong(value)));
  });

  it('any string, with or without the 04 prefix', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (s, prefixed) =>
        expectWrong(prefixed ? `04${s}` : s),
      ),
    );
  });

  it('base64 of any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => expectWrong(tokenOf(bytes))));
  });

  it('well-formed envelopes around random bytes, in either mode and with odd lengths', () => {
    const envelopes = fc.record({
      expire: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      iv: fc.oneof(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ maxLength: 40 })),
      cipher: fc.oneof(
        fc.uint8Array({ minLength: 16, maxLength: 16 * 12 }),
        fc.uint8Array({ maxLength: 300 }),
      ),
      tail: fc.oneof(
        fc.constant(Uint8Array.of(1)),
        fc.constant(new Uint8Array(0)),
        fc.uint8Array({ maxLength: 3 }),
      ),
    });
    fc.assert(fc.property(envelopes, (e) => expectWrong(tokenOf(envelope(e)))));
  });

  it('a GCM token with any single bit flipped', () => {
    const token = generateToken04(1, 'alice', SECRET, 3600);
    const bytes = bytesOf(token);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length * 8 - 1 }), (bit) => {
        const copy = Buffer.from(bytes);
        copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(verifyToken04(tokenOf(copy), SECRET)).toMatchObject({ ok: false, code: 1002033 });
      }),
    );
  });
});

describe('round trips', () => {
  const userIDs = fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 64 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
    )
    .filter((s) => s.length <= 64);
  const payloads = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 500 }), fc.json());

  it('generate → verify for any valid userID and payload', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xffffffff }),
        userIDs,
        payloads,
        fc.integer({ min: 1, max: 10 * 365 * 86_400 }),
        (appID, userID, payload, ttl) => {
          const result = verifyToken04(generateToken04(appID, userID, SECRET, ttl, payload), SECRET);
          expect(result).toMatchObject({ ok: true, token: { appID, userID, payload } });
          expect(result.ok && result.token.expire - result.token.ctime).toBe(ttl);
        },
      ),
    );
  });

  it('encode → verify for any claims, in both modes', () => {
    const claims = fc.record({
      appID: fc.integer({ min: 0, max: 0xffffffff }),
      userID: fc.string({ unit: 'binary' }),
      nonce: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      ctime: fc.integer({ min: 0, max: NOW }),
      expire: fc.integer({ min: NOW + 1, max: Number.MAX_SAFE_INTEGER }),
      payload: fc.string({ unit: 'binary' }),
    });
    const modes = fc.oneof(
      fc.record({ mode: fc.constant('gcm' as const), iv: fc.uint8Array({ minLength: 12, maxLength: 12 }) }),
      fc.record({ mode: fc.constant('cbc' as const), iv: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
    );
    fc.assert(
      fc.property(claims, modes, (token, opts) => {
        expect(verifyToken04(encodeToken04(token, SECRET, opts), SECRET, NOW)).toEqual({ ok: true, token });
      }),
    );
  });
});
