// The Token04 envelope: "04" + base64(expire, iv, cipher, [mode]) — see docs/token04.md.
// Unpacking is the first thing applied to untrusted input, so every length is checked before
// it is used and failures are returned, never thrown.

import { Buffer } from 'node:buffer';

export type CipherMode = 'gcm' | 'cbc';

export interface Token04Layout {
  /** The header copy of `expire`; the verifier insists it matches the encrypted one. */
  expire: bigint;
  iv: Buffer;
  cipher: Buffer;
  mode: CipherMode;
}

export type Unpacked = { ok: true; layout: Token04Layout } | { ok: false; reason: string };

const PREFIX = '04';
const GCM_MODE_BYTE = 1;
const UINT16_MAX = 0xffff;
// expire (int64) + ivLen (uint16) + cipherLen (uint16): a buffer can be no shorter.
const HEADER_BYTES = 8 + 2 + 2;
const MAX_BUFFER_BYTES = HEADER_BYTES + 2 * UINT16_MAX + 1;
// Anything longer cannot be a token; refusing it first keeps a huge string from being decoded.
const MAX_TOKEN_CHARS = PREFIX.length + 4 * Math.ceil(MAX_BUFFER_BYTES / 3);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function packToken04(layout: Token04Layout): string {
  const { expire, iv, cipher, mode } = layout;
  if (iv.length > UINT16_MAX || cipher.length > UINT16_MAX) {
    throw new RangeError('token too long: iv and cipher must each fit in 65535 bytes');
  }
  const buf = Buffer.alloc(HEADER_BYTES + iv.length + cipher.length + (mode === 'gcm' ? 1 : 0));
  let at = buf.writeBigInt64BE(expire, 0);
  at = buf.writeUInt16BE(iv.length, at);
  at += iv.copy(buf, at);
  at = buf.writeUInt16BE(cipher.length, at);
  at += cipher.copy(buf, at);
  if (mode === 'gcm') buf.writeUInt8(GCM_MODE_BYTE, at);
  return PREFIX + buf.toString('base64');
}

export function unpackToken04(token: string): Unpacked {
  if (!token.startsWith(PREFIX)) return fail('bad prefix');
  if (token.length > MAX_TOKEN_CHARS) return fail('too long');
  const body = token.slice(PREFIX.length);
  if (body.length % 4 !== 0 || !BASE64.test(body)) return fail('bad base64');
  const buf = Buffer.from(body, 'base64');
  // Node ignores stray bits in the last base64 character; re-encoding refuses such bodies so
  // one token has exactly one spelling.
  if (buf.toString('base64') !== body) return fail('bad base64');
  if (buf.length < HEADER_BYTES) return fail('truncated');

  const expire = buf.readBigInt64BE(0);
  const ivLen = buf.readUInt16BE(8);
  let at = 10;
  if (buf.length < at + ivLen + 2) return fail('truncated');
  const iv = buf.subarray(at, at + ivLen);
  at += ivLen;
  const cipherLen = buf.readUInt16BE(at);
  at += 2;
  if (buf.length < at + cipherLen) return fail('truncated');
  const cipher = buf.subarray(at, at + cipherLen);
  at += cipherLen;

  const trailing = buf.length - at;
  // The legacy CBC generation wrote no mode byte, so its absence means CBC.
  if (trailing === 0) return { ok: true, layout: { expire, iv, cipher, mode: 'cbc' } };
  if (trailing > 1) return fail('trailing bytes');
  if (buf[at] !== GCM_MODE_BYTE) return fail('bad mode');
  return { ok: true, layout: { expire, iv, cipher, mode: 'gcm' } };
}

function fail(reason: string): Unpacked {
  return { ok: false, reason };
}
