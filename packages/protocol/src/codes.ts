// Every error code Atrium uses, with its message: the one table (SPEC §10).
// Import `Code.X`; never write the number anywhere else.

export const Code = {
  OK: 0,
  NOT_LOGGED_IN: 1000002,
  APPID_INVALID: 1001004,
  ALREADY_IN_ROOM: 1002001,
  ROOM_NOT_LOGGED_IN: 1002002,
  USER_ID_EMPTY: 1002005,
  USER_ID_ILLEGAL: 1002006,
  USER_ID_TOO_LONG: 1002007,
  USER_NAME_TOO_LONG: 1002010,
  ROOM_ID_EMPTY: 1002011,
  ROOM_ID_ILLEGAL: 1002012,
  ROOM_ID_TOO_LONG: 1002013,
  EXTRA_KEY_EMPTY: 1002014,
  EXTRA_KEY_TOO_LONG: 1002015,
  EXTRA_VALUE_TOO_LONG: 1002016,
  EXTRA_TOO_MANY_KEYS: 1002017,
  MULTI_ROOM_USER_MISMATCH: 1002018,
  TOKEN_WRONG: 1002033,
  ROOM_FULL: 1002034,
  TOO_MANY_ROOMS: 1002037,
  KICKED_DUPLICATE_LOGIN: 1002050,
  CONNECTION_INTERRUPTED: 1002051,
  NETWORK_BROKEN: 1002053,
  KICKED_BY_BACKEND: 1002055,
  ALREADY_IN_THIS_ROOM: 1002057,
  TOKEN_EXPIRED: 1002078,
  NO_PUBLISH_PRIVILEGE: 1002082,
  LOGGED_IN_ELSEWHERE: 1002086,
  INTERNAL: 1002099,
  INPUT_PARAM: 1100001,
} as const;

export type CodeName = keyof typeof Code;
export type ErrorCode = (typeof Code)[CodeName];

const messages: Record<ErrorCode, string> = {
  [Code.OK]: 'success',
  [Code.NOT_LOGGED_IN]: 'not logged in to that room',
  [Code.APPID_INVALID]: 'appID unknown',
  [Code.ALREADY_IN_ROOM]: 'already in a room (single-room mode)',
  [Code.ROOM_NOT_LOGGED_IN]: 'not logged in with this room ID',
  [Code.USER_ID_EMPTY]: 'userID is empty',
  [Code.USER_ID_ILLEGAL]: 'userID has illegal characters',
  [Code.USER_ID_TOO_LONG]: 'userID is too long',
  [Code.USER_NAME_TOO_LONG]: 'userName is too long',
  [Code.ROOM_ID_EMPTY]: 'roomID is empty',
  [Code.ROOM_ID_ILLEGAL]: 'roomID has illegal characters',
  [Code.ROOM_ID_TOO_LONG]: 'roomID is too long',
  [Code.EXTRA_KEY_EMPTY]: 'room extra info key is empty',
  [Code.EXTRA_KEY_TOO_LONG]: 'room extra info key is too long',
  [Code.EXTRA_VALUE_TOO_LONG]: 'room extra info value is too long',
  [Code.EXTRA_TOO_MANY_KEYS]: 'room extra info has too many keys',
  [Code.MULTI_ROOM_USER_MISMATCH]: 'multi-room login with a different userID',
  [Code.TOKEN_WRONG]: 'the incoming token is wrong',
  [Code.ROOM_FULL]: 'room is full',
  [Code.TOO_MANY_ROOMS]: 'too many rooms',
  [Code.KICKED_DUPLICATE_LOGIN]: 'kicked: the same userID logged in elsewhere',
  [Code.CONNECTION_INTERRUPTED]: 'connection interrupted, reconnecting',
  [Code.NETWORK_BROKEN]: 'network broken: the login or reconnect window ran out',
  [Code.KICKED_BY_BACKEND]: 'kicked by the business backend',
  [Code.ALREADY_IN_THIS_ROOM]: 'already logged in to this room',
  [Code.TOKEN_EXPIRED]: 'token expired',
  [Code.NO_PUBLISH_PRIVILEGE]: 'the token has no privilege to publish this stream',
  [Code.LOGGED_IN_ELSEWHERE]: 'the user is logged in elsewhere',
  [Code.INTERNAL]: 'room service internal error',
  [Code.INPUT_PARAM]: 'input parameter error',
};

/** The message for a code; unknown codes get a generic text rather than throwing. */
export function codeMessage(code: number): string {
  return messages[code as ErrorCode] ?? `error ${code}`;
}

export function isErrorCode(code: number): code is ErrorCode {
  return Object.hasOwn(messages, code);
}
