// The privilege payload of a "strict" token (docs/token04.md, "Privileges"): which room the token is for and
// whether it may log in and publish. The payload is authenticated with the token, so parsing
// is about reading the author's intent faithfully, and about refusing what cannot be read.

export interface TokenPrivileges {
  /** '' = any room. */
  roomID: string;
  canLogin: boolean;
  canPublish: boolean;
  /** The stream IDs it may publish; null = any. */
  streamIDs: string[] | null;
}

/** `ok: false` means the payload could not be read; the server refuses such a token (1002033). */
export type ParsedTokenPayload = { ok: true; privileges: TokenPrivileges } | { ok: false; reason: string };

export interface PrivilegeOptions {
  roomID?: string;
  canLogin?: boolean;
  canPublish?: boolean;
  streamIDs?: readonly string[] | null;
}

const LOGIN_ROOM = '1';
const PUBLISH_STREAM = '2';
const ALLOWED = 1;
const DENIED = 0;

/**
 * Reads a token's payload; never throws. An empty payload restricts nothing. In a non-empty
 * one, a field that is absent restricts nothing either (as `room_id: ""` and a null stream list
 * already do), while a field that is present but malformed makes the whole payload unreadable:
 * guessing at a privilege could grant one the author withheld. An empty stream list reads as
 * null, because the format gives it the same meaning and callers then have one "any" case.
 */
export function parseTokenPayload(payload: string): ParsedTokenPayload {
  if (typeof payload !== 'string') return fail('not a string');
  if (payload === '') return { ok: true, privileges: unrestricted() };
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return fail('bad json');
  }
  if (!isRecord(value)) return fail('bad json: not an object');

  const roomID = value['room_id'] ?? '';
  if (typeof roomID !== 'string') return fail('bad room_id');

  const privilege = value['privilege'] ?? {};
  if (!isRecord(privilege)) return fail('bad privilege');
  const canLogin = readPrivilege(privilege[LOGIN_ROOM]);
  const canPublish = readPrivilege(privilege[PUBLISH_STREAM]);
  if (canLogin === undefined || canPublish === undefined) return fail('bad privilege');

  const list = value['stream_id_list'] ?? null;
  if (list !== null && !(Array.isArray(list) && list.every((id) => typeof id === 'string'))) {
    return fail('bad stream_id_list');
  }
  const streamIDs = list === null || list.length === 0 ? null : [...list];
  return { ok: true, privileges: { roomID, canLogin, canPublish, streamIDs } };
}

/** Builds a payload in ZEGO's shape; omitted options restrict nothing. */
export function makePrivilegePayload(options: PrivilegeOptions = {}): string {
  const { roomID = '', canLogin = true, canPublish = true, streamIDs = null } = options;
  return JSON.stringify({
    room_id: roomID,
    privilege: { [LOGIN_ROOM]: canLogin ? ALLOWED : DENIED, [PUBLISH_STREAM]: canPublish ? ALLOWED : DENIED },
    stream_id_list: streamIDs,
  });
}

function readPrivilege(value: unknown): boolean | undefined {
  if (value === undefined) return true;
  if (value === ALLOWED) return true;
  if (value === DENIED) return false;
  return undefined;
}

function unrestricted(): TokenPrivileges {
  return { roomID: '', canLogin: true, canPublish: true, streamIDs: null };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(reason: string): ParsedTokenPayload {
  return { ok: false, reason };
}
