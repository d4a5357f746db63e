// The Redis backend's cluster facet (backend.ts, ClusterFacet): what the nodes sharing one Redis
// do together beyond rooms — sessions resumed on another node, memberships adopted from a dead
// or closed node, webhook facts queued durably, admin nonces claimed once across nodes, and the
// two ways a node learns it lost its state (Redis restarted empty, or the node was fenced).

import { createHash } from 'node:crypto';
import type { AdoptResult, ClusterFacet } from '../backend.js';
import type { SessionStore } from '../session-store.js';
import type { Kick, RoomRef } from '../types.js';
import { asArray, asString } from './codec.js';
import type { RoomFeed } from './feed.js';
import type { RedisHookQueue } from './hooks.js';
import type { RedisClient } from './keys.js';
import type { NodeLease } from './lease.js';
import type { RestartWatch } from './restart.js';

export interface RedisClusterParts {
  redis: RedisClient;
  prefix: string;
  feed: RoomFeed;
  sessions: SessionStore;
  lease: NodeLease;
  restarts: RestartWatch;
  hooks: RedisHookQueue | undefined;
  /** Runs the room's adopt script (scripts.ts) for the membership; its raw reply. */
  adoptScript(room: RoomRef, userID: string, sessionID: string): Promise<unknown>;
}

export class RedisCluster implements ClusterFacet {
  readonly sessions: SessionStore;
  readonly hookQueue: RedisHookQueue | undefined;

  constructor(private readonly parts: RedisClusterParts) {
    this.sessions = parts.sessions;
    this.hookQueue = parts.hooks;
  }

  /** Takes over a membership on resume: held when `sessionID` still holds it. */
  async adopt(room: RoomRef, userID: string, sessionID: string): Promise<AdoptResult> {
    const { lease, feed, adoptScript } = this.parts;
    await lease.ensure();
    let kick: Kick | undefined;
    const held = await feed.adopt(room, userID, async () => {
      const reply = asArray(await adoptScript(room, userID, sessionID), 'adopt');
      const status = asString(reply[0], 'adopt status');
      if (status === 'kicked') {
        const k = JSON.parse(asString(reply[1], 'adopt kick')) as { c: number; x: string };
        kick = { code: k.c, ext: k.x };
      }
      if (status !== 'held') return null;
      const member = JSON.parse(asString(reply[1], 'adopt member')) as { p?: unknown };
      return typeof member.p === 'number' ? { sessionID, joinPos: member.p } : null;
    });
    if (held) return { held: true };
    return kick === undefined ? { held: false } : { held: false, kick };
  }

  release(room: RoomRef, userID: string, sessionID: string): void {
    this.parts.feed.forget(room, userID, sessionID);
  }

  onReset(listener: () => void): () => void {
    return this.parts.restarts.onReset(listener);
  }

  onFenced(listener: () => void): () => void {
    return this.parts.lease.onFenced(listener);
  }

  async claimNonce(appID: number, nonce: string, keepMs: number): Promise<boolean> {
    // Hashed: a nonce is caller text, of any characters (a '{' would make its own hash tag).
    const digest = createHash('sha256').update(nonce).digest('base64url');
    const key = `${this.parts.prefix}:nonce:${appID}:${digest}`;
    return (await this.parts.redis.set(key, '1', 'PX', Math.max(1, Math.ceil(keepMs)), 'NX')) === 'OK';
  }
}
