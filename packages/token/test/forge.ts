// A second, deliberately naive Token04 writer for tests: it builds envelopes the real encoder
// refuses to (wrong lengths, bad mode bytes, arbitrary plaintext), so every rejection path of
// the verifier can be reached, and it checks the encoder against an independent implementation.

import { Buffer } from 'node:buffer';
import { createCipheriv } from 'node:crypto';

export const SECRET = 'fa94dd0f974cf2e293728a526b028271';
export const GCM_NONCE = Buffer.from('0123456789ab', 'ascii');
export const CBC_IV = Buffer.from('0123456789abcdef', 'ascii');

export interface Envelope {
  expire: bigint;
  iv: Uint8Array;
  cipher: Uint8Array;
  /** Bytes after the cipher: [1] for GCM, [] for CBC, anything else to test rejection. */
  tail: Uint8Array;
}

export function envelope(e: Envelope): Buffer {
  const head = Buffer.alloc(10);
  head.writeBigInt64BE(e.expire, 0);
  head.writeUInt16BE(e.iv.length, 8);
  const cipherLen = Buffer.alloc(2);
  cipherLen.writeUInt16BE(e.cipher.length, 0);
  return Buffer.concat([head, e.iv, cipherLen, e.cipher, e.tail]);
}

export function tokenOf(buf: Uint8Array): string {
  return '04' + Buffer.from(buf).toString('base64');
}

export function bytesOf(token: string): Buffer {
  return Buffer.from(token.slice(2), 'base64');
}

export function gcmSeal(plaintext: Uint8Array, secret = SECRET, iv: Uint8Array = GCM_NONCE): Buffer {
  const c = createCipheriv('aes-256-gcm', Buffer.from(secret, 'ascii'), iv);
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

export function cbcSeal(plaintext: Uint8Array, secret = SECRET, iv: Uint8Array = CBC_IV): Buffer {
  const c = createCipheriv('aes-256-cbc', Buffer.from(secret, 'ascii'), iv);
  return Buffer.concat([c.update(plaintext), c.final()]);
}

/** A well-enveloped token around any plaintext, e.g. JSON with a field missing. */
export function forge(plaintext: string | Uint8Array, mode: 'gcm' | 'cbc', expire = 4_000_000_000n): string {
  const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  return mode === 'gcm'
    ? tokenOf(envelope({ expire, iv: GCM_NONCE, cipher: gcmSeal(bytes), tail: Uint8Array.of(1) }))
    : tokenOf(envelope({ expire, iv: CBC_IV, cipher: cbcSeal(bytes), tail: new Uint8Array(0) }));
}

/** Claims JSON in ZEGO's key order, with overrides (undefined drops a field). */
export function claimsJson(overrides: Record<string, unknown> = {}): string {
  const base: Record<string, unknown> = {
    app_id: 1,
    user_id: 'demo',
    nonce: 12345,
    ctime: 1_700_000_000,
    expire: 4_000_000_000,
    payload: '',
  };
  return JSON.stringify({ ...base, ...overrides });
}
