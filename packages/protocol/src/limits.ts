// Sizes and defaults of the contract (docs/contract.md: identifiers and limits, reconnection,
// server options), one place for each.

export const Limits = {
  roomIDMaxBytes: 128,
  userIDMaxBytes: 64,
  userNameMaxBytes: 256,
  /** The server's default limit for broadcast, barrage, custom command and transparent message content. */
  messageMaxBytes: 1024,
  /** What the SDK itself lets through; the server's (configurable) limit is the one that counts. */
  clientMessageMaxBytes: 10_240,
  /** Room extra info as the SDK checks it (ZEGO's client limits); the server's options count. */
  clientExtraKeyMaxBytes: 128,
  clientExtraValueMaxBytes: 4_096,
  /** A transparent message's content, checked by the SDK before sending. */
  clientTransparentMaxBytes: 4_096,
  streamIDMaxBytes: 256,
  extraKeyMaxBytes: 10,
  extraValueMaxBytes: 128,
  extraMaxKeys: 1,
  streamExtraInfoMaxBytes: 1024,
  customCommandMaxUsers: 100,
  /** A frame larger than this is refused unparsed (1100001). */
  frameMaxBytes: 64 * 1024,
} as const;

export const Defaults = {
  port: 8800,
  host: '127.0.0.1',
  heartbeatIntervalMs: 5_000,
  sessionGraceMs: 30_000,
  maxRoomsPerUser: 5,
  loginTimeoutMs: 30_000,
  reconnectWindowMs: 300_000,
  /** `tokenWillExpire` fires this long before expiry. */
  tokenWarnBeforeMs: 30_000,
  /** `roomOnlineUserCountUpdate` at most this often while the count changes. */
  onlineCountIntervalMs: 30_000,
  backoffMinMs: 250,
  backoffMaxMs: 5_000,
} as const;

/** The WebSocket endpoint's path on the server. */
export const WS_PATH = '/ws';
export const PROTOCOL_VERSION = 1;
