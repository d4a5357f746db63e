// Token04 checks of the room server (SPEC §3): a login token must decrypt with the app's
// secret and name this app, this user and (if restricted) this room with the login privilege;
// a publish needs an unexpired token with the publish privilege for that stream ID.
// `ext` names the failed check; the token itself is never echoed or logged.

import { Code, type ErrorCode } from '@atrium/protocol';
import { parseTokenPayload, type TokenPrivileges, verifyToken04 } from '@atrium/token';

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

/** Verifies `token` for logging `expected.userID` in to `expected.roomID` of `expected.appID`. */
export function checkLoginToken(
  token: string,
  secret: string,
  expected: TokenClaimsExpected,
  nowMs: number,
): TokenCheck {
  const verified = verifyToken04(token, secret, Math.floor(nowMs / 1000));
  if (!verified.ok) {
    const code = verified.code === Code.TOKEN_EXPIRED ? Code.TOKEN_EXPIRED : Code.TOKEN_WRONG;
    return { ok: false, code, ext: `token ${verified.reason}` };
  }
  const claims = verified.token;
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
