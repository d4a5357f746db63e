// Kicks outlive the session they hit, for `kickMemoryMs` (by default the SDK's whole reconnect
// window, past the grace period): a session kicked while its link was down (or silently dead)
// must not come back by resuming, and its client must learn the kick's code instead of logging
// in afresh, which would kick the winner in turn (SPEC §5 invariant 3).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Session } from './session.js';

export interface RoomKick {
  code: number;
  ext: string;
}

interface Tombstone {
  /** The session's resume credential, so only its holder learns of the kicks. */
  key: string;
  rooms: Map<string, RoomKick>;
  /** The latest kick, monotonic ms: the record lasts `kickMemoryMs` from then. */
  lastAtMs: number;
}

/** Compares resume credentials in constant time (hashes first, so lengths do not matter). */
export function sameKey(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export class KickTombstones {
  private readonly bySession = new Map<string, Tombstone>();

  constructor(
    /** Monotonic ms. */
    private readonly monoNow: () => number,
  ) {}

  get size(): number {
    return this.bySession.size;
  }

  record(session: Session, roomID: string, kick: RoomKick): void {
    let stone = this.bySession.get(session.id);
    if (stone === undefined) {
      stone = { key: session.key, rooms: new Map(), lastAtMs: 0 };
      this.bySession.set(session.id, stone);
    }
    stone.rooms.set(roomID, { code: kick.code, ext: kick.ext });
    stone.lastAtMs = this.monoNow();
  }

  /** The session is in the room again: an earlier kick from it is history. */
  forget(sessionID: string, roomID: string): void {
    const stone = this.bySession.get(sessionID);
    stone?.rooms.delete(roomID);
    if (stone?.rooms.size === 0) this.bySession.delete(sessionID);
  }

  /** The rooms the session was kicked from, for the holder of its key only. */
  kicksOf(sessionID: string, key: string): ReadonlyMap<string, RoomKick> | undefined {
    const stone = this.bySession.get(sessionID);
    return stone !== undefined && sameKey(stone.key, key) ? stone.rooms : undefined;
  }

  /** Drops the records older than `keepMs` (called by the server's one sweep). */
  prune(keepMs: number): void {
    const now = this.monoNow();
    for (const [id, stone] of this.bySession) {
      if (now - stone.lastAtMs > keepMs) this.bySession.delete(id);
    }
  }
}
