// WebSocket close codes (RFC 6455, section 7.4.1) as this protocol uses them, named once.

export const CloseCode = {
  /** The SDK ends a link it no longer needs (after a `bye`, or on logout). */
  normal: 1000,
  /** The server is closing: the client reconnects (to another node, in a cluster). */
  goingAway: 1001,
  /** The link fell too far behind: more unsent bytes than the server holds for it. */
  tooSlow: 1008,
  /**
   * Closed for what the peer did (policy violation): no login by the login deadline, sending
   * faster than its input budget, or the oldest link without a session when room was needed.
   */
  policy: 1008,
  /** The server cannot serve now (the backend is away): come back after the `bye`'s `retryMs`. */
  tryAgainLater: 1013,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
