// The Redis backend's options and their defaults.

import { SharedDefaults } from '../../defaults.js';
import type { FeedLog } from './feed.js';

export interface RedisBackendOptions {
  /**
   * `redis://[:password@]host:port[/db]` or `rediss://…`; several, comma-separated, for a Redis
   * Cluster (its seed nodes).
   */
  url: string;
  /** Sequenced events kept per room for replay (the log's MAXLEN). */
  historyMaxEvents?: number;
  /** Prefix of every key and channel, so deployments can share one Redis. */
  keyPrefix?: string;
  /** This node's identity in member records (random by default). */
  nodeID?: string;
  /** A destroyed room's last position is kept this long (see scripts.ts, `p`). */
  roomTombstoneMs?: number;
  /** How long a call waits for its own events to come back by pub/sub before reading the log. */
  deliveryWaitMs?: number;
  /** How long a join waits for the subscriber connection (Redis down: the join fails after). */
  subscribeTimeoutMs?: number;
  /** A node's lease lives this long unrenewed (it is renewed every third of it). */
  leaseTtlMs?: number;
  /** The server's sessionGraceMs: a dead node's sessions are removed this long after its lease lapsed. */
  sessionGraceMs?: number;
  /** The server's kickMemoryMs: how long a kick is kept in its room for a resume elsewhere. */
  kickMemoryMs?: number;
  /** Reliable request IDs remembered per user, across nodes. */
  appliedWindow?: number;
  /**
   * Webhooks on: each room queues its webhook facts in Redis, up to this many waiting (more are
   * dropped and counted), sent by one node at a time (hooks.ts). 0 or absent: off.
   */
  webhookQueueMax?: number;
  /** How often every node scans for queued webhook facts nobody listed (a node died in between). */
  webhookScanMs?: number;
  /** Rooms whose webhooks this node sends at once (they take turns beyond). Default 64. */
  webhookMaxRooms?: number;
  /** A subscriber threw; the backend carries on (default: ignore). */
  onListenerError?: (error: unknown) => void;
  /** Where connection trouble and lost events are reported (a pino logger fits). */
  log?: FeedLog;
}

export const REDIS_BACKEND_DEFAULTS = {
  historyMaxEvents: SharedDefaults.historyMaxEvents,
  keyPrefix: 'atrium',
  roomTombstoneMs: 3_600_000,
  deliveryWaitMs: 1000,
  subscribeTimeoutMs: 5000,
  leaseTtlMs: SharedDefaults.leaseTtlMs,
  sessionGraceMs: SharedDefaults.sessionGraceMs,
  kickMemoryMs: SharedDefaults.kickMemoryMs,
  appliedWindow: SharedDefaults.appliedWindow,
  webhookScanMs: 30_000,
  webhookMaxRooms: 64,
} as const;
