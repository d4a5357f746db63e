// Sessions in Redis (cluster mode), so a client resumes on any node: one record per session
// (JSON, the resume key only as a hash), the set of sessions each node holds (what a surviving
// node removes once that node's lease has lapsed, lease.ts), and per user a bounded window
// of the reliable sends applied, so a resend reaching another node is not applied twice.
// Each key has its own hash tag: every step here touches one key or one user's pair of keys.

import { keyMatches, type SessionStore, type StoredOutcome, type StoredSession } from '../session-store.js';
import { asInt } from './codec.js';
import type { RedisClient } from './keys.js';
import { LuaScript } from './scripts.js';

/** What is stored: the session and the node holding it. */
export interface SessionRecord extends StoredSession {
  node: string;
}

export const sessionKey = (prefix: string, id: string): string => `${prefix}:session:{${id}}`;
/** Set while (and for a while after) a reaper removes the session: nobody may take or write it. */
const reapedKey = (prefix: string, id: string): string => `${sessionKey(prefix, id)}:reaped`;
const REAPED_KEEP_MS = 600_000;
export const nodeSessionsKey = (prefix: string, node: string): string => `${prefix}:node:{${node}}:sessions`;
/** The nodes the reaper looks at (lease.ts). */
export const nodesKey = (prefix: string): string => `${prefix}:nodes`;
const appliedKeys = (prefix: string, appID: number, userID: string): [string, string] => {
  const base = `${prefix}:{${appID}:u:${userID}}`;
  return [`${base}:applied`, `${base}:appliedq`];
};

// KEYS: the window's hash (id → outcome) and its order (list). ARGV: id, outcome, size, ttl.
const RECORD_APPLIED = new LuaScript(
  'recordApplied',
  `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('LREM', KEYS[2], 0, ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[1])
local size = tonumber(ARGV[3])
while redis.call('LLEN', KEYS[2]) > size do
  redis.call('HDEL', KEYS[1], redis.call('LPOP', KEYS[2]))
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1`,
);

// KEYS: the session record, its reaped mark. ARGV: the record as read, the record to write in its
// place. Two nodes taking the same session at once: one wins, the other finds the record
// changed; a session being reaped is nobody's to take.
const COMPARE_AND_SET = new LuaScript(
  'takeSession',
  `if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`,
);

// KEYS: the session record, its reaped mark. ARGV: this node, then 'set' and the record, or
// 'del', or 'keep', the record and its TTL. A node writes only a record it holds (or a new one):
// a node that still has a stale copy of a session resumed elsewhere, or reaped, must not
// overwrite it.
const WRITE_OWN = new LuaScript(
  'writeSession',
  `if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local raw = redis.call('GET', KEYS[1])
if raw and cjson.decode(raw).node ~= ARGV[1] then return 0 end
if ARGV[2] == 'set' then redis.call('SET', KEYS[1], ARGV[3])
elseif ARGV[2] == 'keep' then redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else redis.call('DEL', KEYS[1]) end
return 1`,
);

// KEYS: the session record, its reaped mark. ARGV: the dead node, the mark's TTL. The record when
// the session is still that node's (now marked: no resume can take it any more), else nil.
const CLAIM_FOR_REAP = new LuaScript(
  'claimSession',
  `local raw = redis.call('GET', KEYS[1])
if not raw or cjson.decode(raw).node ~= ARGV[1] then return false end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return raw`,
);

/** How a reaper takes a dead node's sessions (lease.ts). */
export interface SessionReaper {
  /**
   * The session's record if `node` still holds it, marked as being reaped in the same step: a
   * resume elsewhere can no longer take it (and if one did first, this returns null). A reaper
   * that dies midway leaves the mark; the next one claims the session again and finishes.
   */
  claim(sessionID: string, node: string): Promise<SessionRecord | null>;
  /** The session's memberships are gone: its record goes (the mark stays a while). */
  finish(sessionID: string): Promise<void>;
}

export interface RedisSessionStoreOptions {
  prefix: string;
  nodeID: string;
  /** Applied request IDs kept per user. */
  appliedWindow: number;
  /** How long a user's window outlives its last write. */
  appliedTtlMs: number;
}

export function parseSessionRecord(raw: string): SessionRecord | null {
  try {
    const rec = JSON.parse(raw) as SessionRecord;
    if (typeof rec.id !== 'string' || typeof rec.node !== 'string' || !Array.isArray(rec.rooms)) return null;
    return rec;
  } catch {
    return null;
  }
}

export class RedisSessionStore implements SessionStore, SessionReaper {
  readonly shared = true;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisSessionStoreOptions,
  ) {}

  async save(session: StoredSession): Promise<void> {
    const { nodeID } = this.options;
    const record: SessionRecord = { ...session, node: nodeID };
    const written = await WRITE_OWN.run(this.redis, this.keysOf(session.id), [
      nodeID,
      'set',
      JSON.stringify(record),
    ]);
    if (asInt(written, 'save session') === 1) await this.hold(session.id);
  }

  async end(
    sessionID: string,
    kicks: StoredSession['kicks'],
    keyHash: string,
    keepMs: number,
  ): Promise<void> {
    const { prefix, nodeID } = this.options;
    const kept = Object.keys(kicks).length > 0 && keepMs > 0;
    const args = kept
      ? [nodeID, 'keep', JSON.stringify(tombstone(sessionID, keyHash, kicks, nodeID)), String(keepMs)]
      : [nodeID, 'del'];
    await Promise.all([
      WRITE_OWN.run(this.redis, this.keysOf(sessionID), args),
      this.redis.srem(nodeSessionsKey(prefix, nodeID), sessionID),
    ]);
  }

  async take(sessionID: string, key: string): Promise<StoredSession | null> {
    const { prefix, nodeID } = this.options;
    const raw = await this.redis.get(sessionKey(prefix, sessionID));
    const found = raw === null ? null : parseSessionRecord(raw);
    if (found === null || !keyMatches(key, found.keyHash)) return null;
    // Listed as this node's first: were this node to die right after the swap, the reaper must
    // find the session under it.
    if (found.node !== nodeID && found.rooms.length > 0) await this.hold(sessionID);
    // Compared and set even when this node holds it already: a session being reaped is refused.
    const taken = found.node === nodeID ? raw : JSON.stringify({ ...found, node: nodeID });
    const swapped = await COMPARE_AND_SET.run(this.redis, this.keysOf(sessionID), [raw ?? '', taken ?? '']);
    if (asInt(swapped, 'take session') !== 1) return null;
    if (found.node !== nodeID) await this.redis.srem(nodeSessionsKey(prefix, found.node), sessionID);
    return { ...found, kicks: found.kicks ?? {} };
  }

  /**
   * Lists the session in this node's set, and first this node among the nodes: the lease's own
   * listing comes only with its first renewal once Redis answers, and a node killed before that
   * would otherwise leave sessions no reaper ever looks for.
   */
  private async hold(sessionID: string): Promise<void> {
    const { prefix, nodeID } = this.options;
    await this.redis.sadd(nodesKey(prefix), nodeID);
    await this.redis.sadd(nodeSessionsKey(prefix, nodeID), sessionID);
  }

  async claim(sessionID: string, node: string): Promise<SessionRecord | null> {
    const raw = await CLAIM_FOR_REAP.run(this.redis, this.keysOf(sessionID), [node, REAPED_KEEP_MS]);
    return typeof raw === 'string' ? parseSessionRecord(raw) : null;
  }

  async finish(sessionID: string): Promise<void> {
    await this.redis.del(sessionKey(this.options.prefix, sessionID));
  }

  private keysOf(sessionID: string): [string, string] {
    const { prefix } = this.options;
    return [sessionKey(prefix, sessionID), reapedKey(prefix, sessionID)];
  }

  async takenElsewhere(sessionID: string): Promise<boolean> {
    const raw = await this.redis.get(sessionKey(this.options.prefix, sessionID));
    const rec = raw === null ? null : parseSessionRecord(raw);
    return rec !== null && rec.node !== this.options.nodeID;
  }

  async applied(appID: number, userID: string, requestID: number): Promise<StoredOutcome | null> {
    const [hash] = appliedKeys(this.options.prefix, appID, userID);
    const raw = await this.redis.hget(hash, String(requestID));
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as StoredOutcome;
    } catch {
      return null;
    }
  }

  async recordApplied(
    appID: number,
    userID: string,
    requestID: number,
    outcome: StoredOutcome,
  ): Promise<void> {
    const keys = appliedKeys(this.options.prefix, appID, userID);
    const { appliedWindow, appliedTtlMs } = this.options;
    asInt(
      await RECORD_APPLIED.run(this.redis, keys, [
        String(requestID),
        JSON.stringify(outcome),
        String(appliedWindow),
        String(appliedTtlMs),
      ]),
      'record applied',
    );
  }
}

function tombstone(id: string, keyHash: string, kicks: StoredSession['kicks'], node: string): SessionRecord {
  return { id, keyHash, appID: 0, user: { userID: '', userName: '' }, multi: false, rooms: [], kicks, node };
}
