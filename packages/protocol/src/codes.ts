// Every error code Atrium uses, with its message: the one table (docs/contract.md, "Error codes").
// Import `Code.X`; never write the number anywhere else.

export const Code = {
  OK: 0,
  NOT_LOGGED_IN: 1000002,
  STREAM_ID_TOO_LONG: 1000014,
  STREAM_ID_EMPTY: 1000015,
  STREAM_ID_ILLEGAL: 1000016,
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
  ALREADY_IN_THIS_ROOM: 1002056,
  TOKEN_EXPIRED: 1002078,
  NO_PUBLISH_PRIVILEGE: 1002082,
  LOGGED_IN_ELSEWHERE: 1002086,
  INTERNAL: 1002099,
  STREAM_EXTRA_EMPTY: 1003050,
  STREAM_EXTRA_TOO_LONG: 1003051,
  /** Atrium's own (ZEGO has no public code): the member or the room has too many streams. */
  TOO_MANY_STREAMS: 1003060,
  MESSAGE_EMPTY: 1009001,
  COMMAND_TOO_LONG: 1009002,
  MESSAGE_NOT_IN_ROOM: 1009005,
  MESSAGE_SEND_FAILED: 1009010,
  MESSAGE_TOO_LONG: 1009013,
  MESSAGE_FREQUENCY: 1009015,
  INPUT_PARAM: 1100001,
  PUBLISH_STREAM_NOT_FOUND: 1103055,
} as const;

export type CodeName = keyof typeof Code;
export type ErrorCode = (typeof Code)[CodeName];

const messages: Record<ErrorCode, string> = {
  [Code.OK]: 'success',
  [Code.NOT_LOGGED_IN]: 'not logged in to that room',
  [Code.STREAM_ID_TOO_LONG]: 'stream id length limit',
  [Code.STREAM_ID_EMPTY]: 'stream id required',
  [Code.STREAM_ID_ILLEGAL]: 'stream ID contains illegal characters',
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
  [Code.ALREADY_IN_THIS_ROOM]: 'user repeatedly login: already logged in to this room',
  [Code.TOKEN_EXPIRED]: 'token expired',
  [Code.NO_PUBLISH_PRIVILEGE]: 'the token has no privilege to publish this stream',
  [Code.LOGGED_IN_ELSEWHERE]: 'the user is logged in elsewhere',
  [Code.INTERNAL]: 'room service internal error',
  [Code.STREAM_EXTRA_EMPTY]: 'the extra info of the stream is empty',
  [Code.STREAM_EXTRA_TOO_LONG]: 'the extra info of the stream is too long',
  [Code.TOO_MANY_STREAMS]: 'too many streams: the member or the room publishes as many as the server allows',
  [Code.MESSAGE_EMPTY]: 'message content is empty',
  [Code.COMMAND_TOO_LONG]: 'content is too long',
  [Code.MESSAGE_NOT_IN_ROOM]: 'inconsistent room id: not logged in to that room',
  [Code.MESSAGE_TOO_LONG]: 'message is too long',
  [Code.MESSAGE_SEND_FAILED]: 'failed to send message: no answer in time',
  [Code.MESSAGE_FREQUENCY]: 'frequency limited',
  [Code.INPUT_PARAM]: 'input parameter error',
  [Code.PUBLISH_STREAM_NOT_FOUND]: 'this user publishes no stream with that ID',
};

/** The message for a code; unknown codes get a generic text rather than throwing. */
export function codeMessage(code: number): string {
  return messages[code as ErrorCode] ?? `error ${code}`;
}

export function isErrorCode(code: number): code is ErrorCode {
  return Object.hasOwn(messages, code);
}

/**
 * Why a stream left a room, as `roomStreamUpdate` DELETE reports it in `extendedData`
 * (`{"stream_delete_reason":[{stream_id, code, description}]}`): ZEGO's codes and descriptions.
 * An `unpub` room event carries the code; 0 means the server did not say.
 */
export const StreamDeleteReason = {
  UNKNOWN: 0,
  STOPPED: 1,
  HEARTBEAT_TIMEOUT: 2,
  REPEAT_LOGIN: 3,
  KICKED_OUT: 4,
  OFFLINE: 5,
  REMOVED_BY_SERVER: 6,
} as const;

export type StreamDeleteCode = (typeof StreamDeleteReason)[keyof typeof StreamDeleteReason];

const streamDeleteDescriptions: Record<StreamDeleteCode, string> = {
  [StreamDeleteReason.UNKNOWN]: 'unknown',
  [StreamDeleteReason.STOPPED]: 'user_stop_publishing_stream_normal',
  [StreamDeleteReason.HEARTBEAT_TIMEOUT]: 'user_heart_beat_timeout',
  [StreamDeleteReason.REPEAT_LOGIN]: 'user_repeat_login',
  [StreamDeleteReason.KICKED_OUT]: 'user_kicked_out',
  [StreamDeleteReason.OFFLINE]: 'user_offline',
  [StreamDeleteReason.REMOVED_BY_SERVER]: 'remove_by_server',
};

/** The description of a stream-delete code; an unknown code reads as `unknown`. */
export function streamDeleteDescription(code: number): string {
  return streamDeleteDescriptions[code as StreamDeleteCode] ?? 'unknown';
}

/**
 * Codes of the admin API (`{ Code, Message, RequestId, Data }` replies), ZEGO's server-API
 * numbers: a separate table because they share no number space with the room codes above.
 * ZEGO has no code for a reused SignatureNonce; we answer it with 3, ZEGO's "verification failed".
 */
export const AdminCode = {
  OK: 0,
  /** ZEGO: "request failed, server busy"; ours: the backend failed. */
  INTERNAL: 1,
  INPUT_ERROR: 2,
  NONCE_REUSED: 3,
  /** ZEGO's public "requests per second above the API rate limit"; sent with HTTP 429. */
  RATE_LIMITED: 7,
  ROOM_NOT_EXIST: 50001,
  USER_LIST_TOO_LONG: 50011,
  MESSAGE_TOO_LONG: 50012,
  APP_ID_INVALID: 100000001,
  TIMESTAMP_MISSING: 100000002,
  TIMESTAMP_INVALID: 100000003,
  SIGNATURE_EXPIRED: 100000004,
  SIGNATURE_WRONG: 100000005,
  ACTION_MISSING: 100000006,
  ACTION_UNSUPPORTED: 100000007,
  NONCE_MISSING: 100000008,
  SIGNATURE_MISSING: 100000009,
  /** ZEGO: "failed to get ServerSecret": the AppId is not one of the server's apps. */
  APP_UNKNOWN: 100000010,
  SIGNATURE_VERSION_MISSING: 100000013,
  SIGNATURE_VERSION_UNSUPPORTED: 100000014,
} as const;

export type AdminCodeName = keyof typeof AdminCode;
export type AdminErrorCode = (typeof AdminCode)[AdminCodeName];

const adminMessages: Record<AdminErrorCode, string> = {
  [AdminCode.OK]: 'success',
  [AdminCode.INTERNAL]: 'request failed, please retry',
  [AdminCode.INPUT_ERROR]: 'input parameter error',
  [AdminCode.NONCE_REUSED]: 'SignatureNonce already used',
  [AdminCode.RATE_LIMITED]: 'too many requests per second',
  [AdminCode.ROOM_NOT_EXIST]: 'room does not exist',
  [AdminCode.USER_LIST_TOO_LONG]: 'user list too long',
  [AdminCode.MESSAGE_TOO_LONG]: 'message too long',
  [AdminCode.APP_ID_INVALID]: 'AppId is not valid',
  [AdminCode.TIMESTAMP_MISSING]: 'Timestamp is missing',
  [AdminCode.TIMESTAMP_INVALID]: 'Timestamp is not valid',
  [AdminCode.SIGNATURE_EXPIRED]: 'signature expired',
  [AdminCode.SIGNATURE_WRONG]: 'signature wrong',
  [AdminCode.ACTION_MISSING]: 'Action is missing',
  [AdminCode.ACTION_UNSUPPORTED]: 'unsupported Action',
  [AdminCode.NONCE_MISSING]: 'SignatureNonce is missing',
  [AdminCode.SIGNATURE_MISSING]: 'Signature is missing',
  [AdminCode.APP_UNKNOWN]: 'AppId unknown',
  [AdminCode.SIGNATURE_VERSION_MISSING]: 'SignatureVersion is missing',
  [AdminCode.SIGNATURE_VERSION_UNSUPPORTED]: 'SignatureVersion not supported (2.0 only)',
};

/** The message for an admin code; unknown codes get a generic text rather than throwing. */
export function adminCodeMessage(code: number): string {
  return adminMessages[code as AdminErrorCode] ?? `error ${code}`;
}
