// The server's defaults that more than one part reads (the options, both backends), defined
// once. The ones the SDK shares (heartbeat, grace, reconnect window) live in the protocol
// package's `Defaults`; the rest of the server's option defaults are in options.ts.

import { Defaults } from '@atrium/protocol';

export const SharedDefaults = {
  /** Sequenced events kept per room for replay on resume. */
  historyMaxEvents: 1024,
  /** Cluster mode: a node's lease lives this long unrenewed. */
  leaseTtlMs: 5000,
  /** How long a broken session is kept for resume. */
  sessionGraceMs: Defaults.sessionGraceMs,
  /** How long a session's kicks are remembered: the SDK's whole reconnect window. */
  kickMemoryMs: Defaults.reconnectWindowMs,
  /** Reliable request IDs remembered per user (on the node, and across nodes in Redis). */
  appliedWindow: 512,
} as const;

/**
 * Quotas checked by both backends (and so by the admin API too). With the protocol's limits on a
 * stream's ID (256 bytes) and extra info (1 KiB), `streamsPerRoom` bounds a room's stream list,
 * the biggest part of a login or resume reply, to about 350 KB of JSON: far below a link's backlog limit.
 */
export const QuotaDefaults = {
  /** Streams one user may have listed in one room. */
  streamsPerMember: 16,
  /** Streams listed in one room. */
  streamsPerRoom: 256,
  /**
   * Members of one room, whatever its maxMemberCount (0 = up to this). It also bounds the members
   * list a login or a resume reads and sends (Redis: the members hash read whole by a join).
   */
  roomMembers: 10_000,
} as const;
