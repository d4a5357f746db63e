// Identifier and content rules (docs/contract.md, "Identifiers and limits"). Each check returns the code of the first rule
// broken, or 0; the SDK runs them before any traffic and the server runs them again.

import { Code, type ErrorCode } from './codes.js';
import { Limits } from './limits.js';

/** UTF-8 length without allocating. Lone surrogates count as 3 bytes, as TextEncoder writes them. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

const ROOM_ID_CHARS = /^[0-9A-Za-z~!@#$%^&*()_+=\-`;',.<>/]+$/;
const USER_ID_CHARS = /^[0-9A-Za-z~!@#$%^&*()_+=\-`;',.]+$/;
const STREAM_ID_CHARS = /^[0-9A-Za-z\-_.]+$/;

interface IdRule {
  maxBytes: number;
  chars: RegExp;
  empty: ErrorCode;
  illegal: ErrorCode;
  tooLong: ErrorCode;
}

function checkId(value: unknown, rule: IdRule): ErrorCode | 0 {
  if (value === undefined || value === null || value === '') return rule.empty;
  if (typeof value !== 'string') return rule.illegal;
  if (utf8Length(value) > rule.maxBytes) return rule.tooLong;
  if (!rule.chars.test(value)) return rule.illegal;
  return 0;
}

const roomRule: IdRule = {
  maxBytes: Limits.roomIDMaxBytes,
  chars: ROOM_ID_CHARS,
  empty: Code.ROOM_ID_EMPTY,
  illegal: Code.ROOM_ID_ILLEGAL,
  tooLong: Code.ROOM_ID_TOO_LONG,
};

const userRule: IdRule = {
  maxBytes: Limits.userIDMaxBytes,
  chars: USER_ID_CHARS,
  empty: Code.USER_ID_EMPTY,
  illegal: Code.USER_ID_ILLEGAL,
  tooLong: Code.USER_ID_TOO_LONG,
};

const streamRule: IdRule = {
  maxBytes: Limits.streamIDMaxBytes,
  chars: STREAM_ID_CHARS,
  empty: Code.INPUT_PARAM,
  illegal: Code.INPUT_PARAM,
  tooLong: Code.INPUT_PARAM,
};

/** The same rule with the SDK's publishing codes (ZEGO's 1000014–1000016). */
const publishStreamRule: IdRule = {
  ...streamRule,
  empty: Code.STREAM_ID_EMPTY,
  illegal: Code.STREAM_ID_ILLEGAL,
  tooLong: Code.STREAM_ID_TOO_LONG,
};

export const checkRoomID = (roomID: unknown): ErrorCode | 0 => checkId(roomID, roomRule);
export const checkUserID = (userID: unknown): ErrorCode | 0 => checkId(userID, userRule);
export const checkStreamID = (streamID: unknown): ErrorCode | 0 => checkId(streamID, streamRule);
export const checkPublishStreamID = (streamID: unknown): ErrorCode | 0 =>
  checkId(streamID, publishStreamRule);

export function checkUserName(userName: unknown): ErrorCode | 0 {
  if (userName === undefined || userName === null) return 0;
  if (typeof userName !== 'string') return Code.INPUT_PARAM;
  return utf8Length(userName) > Limits.userNameMaxBytes ? Code.USER_NAME_TOO_LONG : 0;
}

/** A user as passed to `loginRoom`: its userID, then its optional userName. */
export function checkUser(user: unknown): ErrorCode | 0 {
  if (typeof user !== 'object' || user === null) return Code.USER_ID_EMPTY;
  const u = user as { userID?: unknown; userName?: unknown };
  return checkUserID(u.userID) || checkUserName(u.userName);
}

/**
 * Broadcast and barrage text: 1009001 when empty, 1009013 when over `maxBytes` (the server's limit
 * is an option; the SDK checks the looser client limit and leaves the rest to the server).
 */
export function checkMessage(message: unknown, maxBytes: number = Limits.messageMaxBytes): ErrorCode | 0 {
  if (message === undefined || message === null || message === '') return Code.MESSAGE_EMPTY;
  if (typeof message !== 'string') return Code.INPUT_PARAM;
  return utf8Length(message) > maxBytes ? Code.MESSAGE_TOO_LONG : 0;
}

/** Custom-command text (or an object command's JSON): 1009001 when empty, 1009002 when over `maxBytes`. */
export function checkCommand(command: unknown, maxBytes: number = Limits.messageMaxBytes): ErrorCode | 0 {
  if (command === undefined || command === null || command === '') return Code.MESSAGE_EMPTY;
  if (typeof command !== 'string') return Code.INPUT_PARAM;
  return utf8Length(command) > maxBytes ? Code.COMMAND_TOO_LONG : 0;
}

export function checkStreamExtraInfo(extraInfo: unknown): ErrorCode | 0 {
  if (extraInfo === undefined) return 0;
  if (typeof extraInfo !== 'string') return Code.INPUT_PARAM;
  return utf8Length(extraInfo) > Limits.streamExtraInfoMaxBytes ? Code.INPUT_PARAM : 0;
}

export interface ExtraInfoLimits {
  keyMaxBytes: number;
  valueMaxBytes: number;
}

/** Room extra info key and value; the key count is the room's to check (1002017). */
export function checkRoomExtraInfo(
  key: unknown,
  value: unknown,
  limits: ExtraInfoLimits = {
    keyMaxBytes: Limits.extraKeyMaxBytes,
    valueMaxBytes: Limits.extraValueMaxBytes,
  },
): ErrorCode | 0 {
  if (typeof key !== 'string' || key === '') return Code.EXTRA_KEY_EMPTY;
  if (utf8Length(key) > limits.keyMaxBytes) return Code.EXTRA_KEY_TOO_LONG;
  if (typeof value !== 'string') return Code.INPUT_PARAM;
  if (utf8Length(value) > limits.valueMaxBytes) return Code.EXTRA_VALUE_TOO_LONG;
  return 0;
}

/** The target list of a custom command: up to 100 valid userIDs; empty means the whole room. */
export function checkUserIDList(list: unknown): ErrorCode | 0 {
  if (!Array.isArray(list) || list.length > Limits.customCommandMaxUsers) return Code.INPUT_PARAM;
  for (const id of list) if (checkUserID(id) !== 0) return Code.INPUT_PARAM;
  return 0;
}

export function checkAppID(appID: unknown): ErrorCode | 0 {
  return typeof appID === 'number' && Number.isInteger(appID) && appID > 0 && appID <= 0xffffffff
    ? 0
    : Code.APPID_INVALID;
}
