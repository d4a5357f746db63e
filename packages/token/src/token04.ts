// ZEGO Token04: generation (AES-256-GCM) and verification (GCM and legacy CBC), byte-compatible
// with ZEGO's generators so an app's existing token service keeps working (docs/token04.md).

import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes, randomInt } from 'node:crypto';
import { TokenError, TokenErrorCode } from './errors.js';
import { type CipherMode, packToken04, type Token04Layout, unpackToken04 } from './layout.js';

export type { CipherMode } from './layout.js';

/** A token's decrypted claims, in camelCase; the wire JSON uses ZEGO's snake_case names. */
export interface Token04 {
  appID: number;
  userID: string;
  nonce: number;
  ctime: number;
  expire: number;
  payload: string;
}

export type VerifyToken04Result =
  | { ok: true; token: Token04 }
  | { ok: false; code: 1002033 | 1002078; reason: string };

/** verifyToken04's answer with what a server needs to word a refusal: the mode, and an expired token's claims. */
export type OpenToken04Result =
  | { ok: true; token: Token04; mode: CipherMode }
  /** Its claims decrypted well; only their time is past. */
  | { ok: false; code: 1002078; reason: string; token: Token04; mode: CipherMode }
  | { ok: false; code: 1002033; reason: string };

export interface VerifyToken04Options {
  /**
   * Accept legacy AES-CBC tokens. Default true (ZEGO does). CBC is not authenticated: whoever
   * holds one token can flip bits of its IV to rewrite the first block of its claims, `app_id`
   * included, without knowing the secret. False refuses them before decrypting.
   */
  acceptCbc?: boolean;
}

export interface EncodeToken04Options {
  mode: CipherMode;
  /** 12 bytes for GCM (the nonce), 16 for CBC. */
  iv: Uint8Array;
}

// The same numbers as @atrium/protocol's Code.TOKEN_WRONG / TOKEN_EXPIRED; repeated because
// this package has no dependencies, so a business server can use it alone.
const TOKEN_WRONG = 1002033;
const TOKEN_EXPIRED = 1002078;

const SECRET_LENGTH = 32;
const MAX_USER_ID_LENGTH = 64;
const MAX_APP_ID = 0xffffffff;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const CBC_IV_BYTES = 16;
const CBC_BLOCK_BYTES = 16;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Issues a GCM token valid for `effectiveTimeInSeconds` from now. Throws a `TokenError` with
 * ZEGO's generator codes on bad arguments. The effective time must be a whole number of
 * seconds, because `expire` is written as an integer into the binary header.
 */
export function generateToken04(
  appID: number,
  userID: string,
  secret: string,
  effectiveTimeInSeconds: number,
  payload = '',
): string {
  if (!isAppID(appID)) throw new TokenError(TokenErrorCode.APP_ID_INVALID, 'appID invalid');
  if (typeof userID !== 'string' || userID.length === 0 || userID.length > MAX_USER_ID_LENGTH) {
    throw new TokenError(TokenErrorCode.USER_ID_INVALID, 'userID invalid: 1 to 64 characters');
  }
  if (!isSecret(secret)) {
    throw new TokenError(TokenErrorCode.SECRET_INVALID, 'secret must be 32 ASCII characters');
  }
  const ctime = unixNow();
  const expire = ctime + effectiveTimeInSeconds;
  if (!isSafeInteger(effectiveTimeInSeconds) || effectiveTimeInSeconds <= 0 || !isSafeInteger(expire)) {
    throw new TokenError(TokenErrorCode.EFFECTIVE_TIME_INVALID, 'effectiveTimeInSeconds invalid');
  }
  // ZEGO has no code for this; the type already forbids it, so only untyped callers get here.
  if (typeof payload !== 'string') throw new TypeError('payload must be a string');
  const nonce = randomInt(INT32_MIN, INT32_MAX + 1);
  return encodeToken04({ appID, userID, nonce, ctime, expire, payload }, secret, {
    mode: 'gcm',
    iv: randomBytes(GCM_IV_BYTES),
  });
}

/**
 * Encodes exactly the given claims with the given IV: the deterministic core of generation,
 * for test vectors and for deliberately odd tokens (already expired, legacy CBC). Only the
 * secret, the IV length and `expire` are checked; the other claims are written as given.
 */
export function encodeToken04(token: Token04, secret: string, opts: EncodeToken04Options): string {
  if (!isSecret(secret)) {
    throw new TokenError(TokenErrorCode.SECRET_INVALID, 'secret must be 32 ASCII characters');
  }
  if (!isSafeInteger(token.expire)) throw new RangeError('expire must be a safe integer');
  const ivBytes = opts.mode === 'gcm' ? GCM_IV_BYTES : CBC_IV_BYTES;
  if (opts.iv.length !== ivBytes) throw new RangeError(`${opts.mode} iv must be ${ivBytes} bytes`);
  // Key order matches ZEGO's generators and the vectors; readers parse by name regardless.
  const json = JSON.stringify({
    app_id: token.appID,
    user_id: token.userID,
    nonce: token.nonce,
    ctime: token.ctime,
    expire: token.expire,
    payload: token.payload,
  });
  const iv = Buffer.from(opts.iv);
  const cipher = seal(Buffer.from(json, 'utf8'), keyOf(secret), opts.mode, iv);
  return packToken04({ expire: BigInt(token.expire), iv, cipher, mode: opts.mode });
}

/**
 * Checks a token against the app's secret. Never throws. A token counts as expired from the
 * second its `expire` is reached (`nowSec >= expire`) → 1002078; anything else wrong → 1002033
 * with the failed check as `reason`. Only a token that decrypted to well-formed claims can be
 * reported expired, so the expiry code never vouches for a forgery.
 */
export function verifyToken04(
  token: string,
  secret: string,
  nowSec?: number,
  options: VerifyToken04Options = {},
): VerifyToken04Result {
  const result = openToken04(token, secret, nowSec, options);
  if (result.ok) return { ok: true, token: result.token };
  return { ok: false, code: result.code, reason: result.reason };
}

/** verifyToken04, telling also the token's mode and an expired token's claims. Never throws. */
export function openToken04(
  token: string,
  secret: string,
  nowSec?: number,
  options: VerifyToken04Options = {},
): OpenToken04Result {
  try {
    return verify(token, secret, nowSec, options.acceptCbc !== false);
  } catch {
    // Every check below is explicit; this only keeps the never-throws promise should a
    // platform call surprise us, since callers treat a throw as a server fault.
    return wrong('internal error');
  }
}

function verify(token: unknown, secret: unknown, nowSec: unknown, acceptCbc: boolean): OpenToken04Result {
  if (typeof token !== 'string') return wrong('not a string');
  if (!isSecret(secret)) return wrong('secret invalid');
  const now = nowSec === undefined ? unixNow() : nowSec;
  if (typeof now !== 'number' || !Number.isFinite(now)) return wrong('nowSec invalid');

  const unpacked = unpackToken04(token);
  if (!unpacked.ok) return wrong(unpacked.reason);
  const { layout } = unpacked;
  if (layout.mode === 'cbc' && !acceptCbc) return wrong('cbc not accepted');
  const opened = open(layout, keyOf(secret));
  if (!opened.ok) return wrong(opened.reason);
  const claims = readClaims(opened.plaintext, layout.expire);
  if (!claims.ok) {
    // CBC is unauthenticated: telling bad padding apart from bad JSON would be a padding
    // oracle that lets anyone forge tokens, so every CBC failure past decryption looks alike.
    return wrong(layout.mode === 'cbc' ? 'decrypt failed' : claims.reason);
  }
  const mode = layout.mode;
  if (now >= claims.token.expire) {
    return {
      ok: false,
      code: TOKEN_EXPIRED,
      reason: `expired at ${claims.token.expire}`,
      token: claims.token,
      mode,
    };
  }
  return { ok: true, token: claims.token, mode };
}

function seal(plaintext: Buffer, key: Buffer, mode: CipherMode, iv: Buffer): Buffer {
  if (mode === 'gcm') {
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

type Opened = { ok: true; plaintext: Buffer } | { ok: false; reason: string };

function open(layout: Token04Layout, key: Buffer): Opened {
  const { iv, cipher, mode } = layout;
  if (mode === 'gcm') {
    if (iv.length !== GCM_IV_BYTES) return { ok: false, reason: 'bad iv length' };
    if (cipher.length < GCM_TAG_BYTES) return { ok: false, reason: 'bad cipher length' };
    const body = cipher.subarray(0, cipher.length - GCM_TAG_BYTES);
    const tag = cipher.subarray(cipher.length - GCM_TAG_BYTES);
    return decrypt(() => {
      // Fixing the tag length stops Node accepting a truncated (weaker) tag.
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    });
  }
  if (iv.length !== CBC_IV_BYTES) return { ok: false, reason: 'bad iv length' };
  if (cipher.length === 0 || cipher.length % CBC_BLOCK_BYTES !== 0) {
    return { ok: false, reason: 'bad cipher length' };
  }
  return decrypt(() => {
    const decipher = createDecipheriv('aes-256-cbc', key, iv);
    return Buffer.concat([decipher.update(cipher), decipher.final()]);
  });
}

function decrypt(run: () => Buffer): Opened {
  try {
    return { ok: true, plaintext: run() };
  } catch {
    return { ok: false, reason: 'decrypt failed' };
  }
}

type Claims = { ok: true; token: Token04 } | { ok: false; reason: string };

function readClaims(plaintext: Buffer, headerExpire: bigint): Claims {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(plaintext));
  } catch {
    return { ok: false, reason: 'bad json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'bad json: not an object' };
  }
  const json = value as Record<string, unknown>;
  const appID = json['app_id'];
  const userID = json['user_id'];
  const nonce = json['nonce'];
  const ctime = json['ctime'];
  const expire = json['expire'];
  const payload = json['payload'];
  if (!isUint32(appID)) return { ok: false, reason: 'bad json: app_id' };
  if (typeof userID !== 'string') return { ok: false, reason: 'bad json: user_id' };
  // The nonce means nothing to a verifier, so any integer a generator chose is accepted.
  if (typeof nonce !== 'number' || !Number.isInteger(nonce)) return { ok: false, reason: 'bad json: nonce' };
  if (!isSafeInteger(ctime)) return { ok: false, reason: 'bad json: ctime' };
  if (!isSafeInteger(expire)) return { ok: false, reason: 'bad json: expire' };
  if (typeof payload !== 'string') return { ok: false, reason: 'bad json: payload' };
  if (BigInt(expire) !== headerExpire) return { ok: false, reason: 'expire mismatch' };
  return { ok: true, token: { appID, userID, nonce, ctime, expire, payload } };
}

function wrong(reason: string): { ok: false; code: 1002033; reason: string } {
  return { ok: false, code: TOKEN_WRONG, reason };
}

function isSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function isUint32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_APP_ID;
}

function isAppID(value: unknown): value is number {
  return isUint32(value) && value !== 0;
}

// The key is the secret's 32 ASCII bytes used raw; a non-ASCII character would change the
// byte count, so length in characters and in bytes must both be 32.
function isSecret(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length === SECRET_LENGTH &&
    Buffer.byteLength(value, 'utf8') === SECRET_LENGTH
  );
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret, 'utf8');
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
