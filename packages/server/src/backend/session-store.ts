// Where sessions are kept for resume on another node (docs/contract.md, "Cluster mode"): part of
// a backend's cluster facet (backend.ts). With the in-memory backend a session lives only in the
// node that made it, so nothing is stored: nobody else could resume it. In cluster mode each
// session is written to Redis when its memberships change, so a client whose node died (or
// closed) resumes on any other node. The resume key itself is never stored: only its hash,
// compared in constant time.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { ZegoUser } from '@atrium/protocol';
import type { TokenGrant } from '../auth/token.js';
import type { Kick } from './types.js';

/** One membership of a stored session, as a taking-over node needs it. */
export interface StoredRoom {
  roomID: string;
  userUpdate: boolean;
  joinSeq: number;
  grant: TokenGrant;
}

export interface StoredSession {
  id: string;
  /** sha256 of the resume key, hex. */
  keyHash: string;
  appID: number;
  user: Required<ZegoUser>;
  multi: boolean;
  rooms: StoredRoom[];
  /** Rooms the session was kicked from (kept for the grace period, as on the node). */
  kicks: Record<string, Kick>;
}

/** The reply a reliable send got, shared so a resend reaching another node is not applied again. */
export interface StoredOutcome {
  t: string;
  room: string;
  print: number;
  sessionID: string;
  code: number;
  ext?: string;
  data?: unknown;
}

export interface SessionStore {
  /** Records the session as this node's (after each change of its rooms, kicks or grants). */
  save(session: StoredSession): Promise<void>;
  /**
   * The session ended here. Its kicks, if any, are kept for `keepMs` so its client still learns
   * them wherever it resumes; otherwise the record goes.
   */
  end(sessionID: string, kicks: StoredSession['kicks'], keyHash: string, keepMs: number): Promise<void>;
  /** The session, if its key matches, now recorded as this node's; null when unknown. */
  take(sessionID: string, key: string): Promise<StoredSession | null>;
  /** Whether another node has taken the session over (this node must then drop it, not end it). */
  takenElsewhere(sessionID: string): Promise<boolean>;
  /** A user's applied reliable send, by its request ID. */
  applied(appID: number, userID: string, requestID: number): Promise<StoredOutcome | null>;
  recordApplied(appID: number, userID: string, requestID: number, outcome: StoredOutcome): Promise<void>;
}

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Constant time over the hashes (equal lengths by construction). */
export function keyMatches(key: string, keyHash: string): boolean {
  const a = Buffer.from(hashKey(key), 'hex');
  const b = Buffer.from(keyHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
