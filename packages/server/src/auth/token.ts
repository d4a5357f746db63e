// Token04 checks of the room server (docs/contract.md, "Tokens"): a login token must decrypt with the app's
// secret and name this app, this user and (if restricted) this room with the login privilege;
// a publish needs an unexpired token with the publish privilege for that stream ID.
// `ext` names the failed check for a GCM token: authenticated, it decrypts only if the app's
// token service made it, so the details help that app and nobody forging. A legacy CBC token is
// not authenticated: flipped bits decrypt to altered claims, and telling "the claims name another
// app" apart from "it did not decrypt" would tell a forger when a flip produced readable claims
// (an oracle to steer the next flip by). So a CBC token is refused with one ext whatever failed,
// and reported expired only when it names this app, user and room. The token itself is never
// echoed or logged.

import { Code, type ErrorCode } from '@atrium/protocol';
import { openToken04, parseTokenPayload, type Token04, type TokenPrivileges } from '@atrium/token';

/** What a verified token grants one room of a session. */
export interface TokenGrant {
  /** Unix seconds. */
  expireSec: number;
  privileges: TokenPrivileges;
}

export type TokenCheck = { ok: true; grant: TokenGrant } | { ok: false; code: ErrorCode; ext: string };

export interface TokenClaimsExpected {
  appID: number;
  userID: string;
  roomID: string;
}

const wrong = (ext: string): TokenCheck => ({ ok: false, code: Code.TOKEN_WRONG, ext });

/** The one ext of a CBC token refused past its layout: the same as one that did not decrypt. */
export const CBC_REFUSAL_EXT = 'token decrypt failed';

export interface TokenPolicy {
  /** Accept legacy CBC tokens (RoomServerOptions.acceptCbcTokens). Default true. */
  acceptCbc?: boolean;
}

/** Verifies `token` for logging `expected.userID` in to `expected.roomID` of `expected.appID`. */
export function checkLoginToken(
  token: string,
  secret: string,
  expected: TokenClaimsExpected,
  nowMs: number,
  policy: TokenPolicy = {},
): TokenCheck {
  const verified = openToken04(token, secret, Math.floor(nowMs / 1000), { acceptCbc: policy.acceptCbc });
  if (verified.ok) {
    const check = checkClaims(verified.token, expected);
    return verified.mode === 'cbc' && !check.ok ? wrong(CBC_REFUSAL_EXT) : check;
  }
  if (verified.code === Code.TOKEN_EXPIRED) {
    if (verified.mode === 'cbc' && !checkClaims(verified.token, expected).ok) return wrong(CBC_REFUSAL_EXT);
    return { ok: false, code: Code.TOKEN_EXPIRED, ext: `token ${verified.reason}` };
  }
  return wrong(`token ${verified.reason}`);
}

function checkClaims(claims: Token04, expected: TokenClaimsExpected): TokenCheck {
  if (claims.appID !== expected.appID) return wrong('token app_id differs');
  if (claims.userID !== expected.userID) return wrong('token user_id differs');
  const parsed = parseTokenPayload(claims.payload);
  if (!parsed.ok) return wrong(`token payload unreadable: ${parsed.reason}`);
  const { privileges } = parsed;
  if (privileges.roomID !== '' && privileges.roomID !== expected.roomID)
    return wrong('token room_id differs');
  if (!privileges.canLogin) return wrong('token has no login privilege');
  return { ok: true, grant: { expireSec: claims.expire, privileges } };
}

export type PublishCheck = { ok: true } | { ok: false; code: ErrorCode; ext: string };

/** May the holder of `grant` start publishing `streamID` now? */
export function checkPublishGrant(grant: TokenGrant, streamID: string, nowMs: number): PublishCheck {
  if (nowMs >= grant.expireSec * 1000) return { ok: false, code: Code.TOKEN_EXPIRED, ext: 'token expired' };
  const { canPublish, streamIDs } = grant.privileges;
  if (!canPublish)
    return { ok: false, code: Code.NO_PUBLISH_PRIVILEGE, ext: 'token has no publish privilege' };
  if (streamIDs !== null && !streamIDs.includes(streamID)) {
    return { ok: false, code: Code.NO_PUBLISH_PRIVILEGE, ext: 'stream ID not in the token stream_id_list' };
  }
  return { ok: true };
}
