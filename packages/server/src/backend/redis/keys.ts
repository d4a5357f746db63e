// Where cluster mode keeps things in Redis. Every key of a room carries the same hash tag,
// `{<appID>:<roomID>}`, and so does its shard channel: one room lives in one Redis Cluster slot,
// so one Lua script can check, mutate, sequence, log and publish a room change atomically. A
// user's index of rooms has its own tag (`{<appID>:u:<userID>}`; a roomID cannot contain ':', so
// the two never meet). Neither a roomID nor a userID may contain '}', which would cut a tag short.

import type { Cluster, Redis } from 'ioredis';
import type { RoomRef } from '../types.js';

/** One Redis, or a Redis Cluster (every multi-key step here stays within one hash tag). */
export type RedisClient = Redis | Cluster;

/** The keys of one room, in the order every room script declares them (KEYS[1..8]). */
export interface RoomKeys {
  /**
   * Hash: `seq` (last event), `base` (positions are `base + seq`), `max` (maxMemberCount),
   * `bseq` (last barrage messageID).
   */
  meta: string;
  /** Hash: userID → member record (JSON). */
  members: string;
  /** Hash: streamID → stream record (JSON). */
  streams: string;
  /** Hash: key → room extra info record (JSON). */
  extra: string;
  /** Stream: the bounded history (MAXLEN), entry ID `<seq>-0`. */
  log: string;
  /** String, with a TTL: the last position of a destroyed room, the `base` of a re-created one. */
  gone: string;
  /**
   * Hash, with a TTL: sessionID → a kick of it from this room (code, ext, when), kept for the
   * grace period so a kicked session that resumes on another node learns it (its node may be
   * dead and never have recorded it). Outlives the room.
   */
  kicks: string;
  /**
   * List: the room's webhook entries not yet delivered, oldest first (hooks.ts). Outlives
   * the room until drained.
   */
  hooks: string;
  /** String, with a TTL: the node sending the room's webhooks now (not given to the scripts). */
  hookLock: string;
  /** Shard channel (not a key): the room's live events. */
  channel: string;
}

export function roomKeys(prefix: string, ref: RoomRef): RoomKeys {
  const base = `${prefix}:{${ref.appID}:${ref.roomID}}`;
  return {
    meta: `${base}:meta`,
    members: `${base}:members`,
    streams: `${base}:streams`,
    extra: `${base}:extra`,
    log: `${base}:log`,
    gone: `${base}:gone`,
    kicks: `${base}:kicks`,
    hooks: `${base}:hooks`,
    hookLock: `${base}:hooklock`,
    channel: `${base}:ch`,
  };
}

export const roomKeyList = (keys: RoomKeys): string[] => [
  keys.meta,
  keys.members,
  keys.streams,
  keys.extra,
  keys.log,
  keys.gone,
  keys.kicks,
  keys.hooks,
];

/** Hash: roomID → the user's membership there (JSON: session, multi, join position, node). */
export function userIndexKey(prefix: string, appID: number, userID: string): string {
  return `${prefix}:{${appID}:u:${userID}}:rooms`;
}
