// Writing the scripts' arguments, and reading what they return and publish: records in the room hashes, log entries,
// channel messages. Replies come from our own scripts, so a surprise means Redis (or a foreign
// writer) misbehaves: the readers of replies throw, which rejects the backend call; the reader
// of channel messages returns undefined instead, since it runs inside an event handler.

import type { BroadcastMessageInfo, RoomEvent, RoomExtraInfo, StreamInfo } from '@atrium/protocol';
import type { KickMessage, Member, MembershipNote, RoomState, SequencedEvent } from '../types.js';

/** A number as JSON for the scripts to splice into events (non-finite ones become 0). */
export const jsonNumber = (n: number): string => JSON.stringify(Number.isFinite(n) ? n : 0);
/** A boolean as the scripts read it. */
export const flag = (b: boolean): string => (b ? '1' : '0');

export class RedisReplyError extends Error {
  constructor(what: string, reply: unknown) {
    super(`unexpected Redis reply (${what}): ${JSON.stringify(reply)?.slice(0, 200)}`);
    this.name = 'RedisReplyError';
  }
}

export function asArray(reply: unknown, what: string): unknown[] {
  if (!Array.isArray(reply)) throw new RedisReplyError(what, reply);
  return reply;
}

export function asString(reply: unknown, what: string): string {
  if (typeof reply === 'string') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  throw new RedisReplyError(what, reply);
}

export function asInt(reply: unknown, what: string): number {
  const n = typeof reply === 'number' ? reply : typeof reply === 'string' ? Number(reply) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new RedisReplyError(what, reply);
  return n;
}

function record(raw: unknown, what: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(asString(raw, what));
  if (typeof parsed !== 'object' || parsed === null) throw new RedisReplyError(what, raw);
  return parsed as Record<string, unknown>;
}

const text = (r: Record<string, unknown>, field: string): string => {
  const v = r[field];
  if (typeof v !== 'string') throw new RedisReplyError(`field ${field}`, r);
  return v;
};

const num = (r: Record<string, unknown>, field: string): number => {
  const v = r[field];
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new RedisReplyError(`field ${field}`, r);
  return n;
};

/** A flat HGETALL reply as [field, value] pairs. */
function pairs(reply: unknown, what: string): [string, unknown][] {
  const flat = asArray(reply, what);
  const out: [string, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([asString(flat[i], what), flat[i + 1]]);
  return out;
}

/** A member record: `{n, s, m, u, j, t, node}`. */
export function parseMember(userID: string, raw: unknown): Member {
  const r = record(raw, 'member');
  return {
    user: { userID, userName: text(r, 'n') },
    sessionID: text(r, 's'),
    multi: r.m === 1,
    userUpdate: r.u === 1,
    joinSeq: num(r, 'j'),
    joinedAtMs: num(r, 't'),
  };
}

/** The snapshot part of a script reply: [seq, max, count, members, streams, extra]. */
export function parseState(reply: unknown, withMembers: boolean): RoomState {
  const [seq, max, count, members, streams, extra] = asArray(reply, 'state');
  const streamList = pairs(streams, 'streams').map(([streamID, raw]) => {
    const r = record(raw, 'stream');
    const info: StreamInfo = {
      streamID,
      user: { userID: text(r, 'u'), userName: text(r, 'n') },
      extraInfo: text(r, 'x'),
    };
    return { order: num(r, 'o'), info };
  });
  const extraList = pairs(extra, 'extra').map(([key, raw]) => {
    const r = record(raw, 'extra info');
    const info: RoomExtraInfo = {
      key,
      value: text(r, 'v'),
      updateUser: { userID: text(r, 'u'), userName: text(r, 'n') },
      updateTime: num(r, 't'),
    };
    return { order: num(r, 'o'), info };
  });
  const byOrder = (a: { order: number }, b: { order: number }) => a.order - b.order;
  const state: RoomState = {
    seq: asInt(seq, 'seq'),
    maxMemberCount: asInt(max, 'max'),
    count: asInt(count, 'count'),
    streams: streamList.sort(byOrder).map((s) => s.info),
    extra: extraList.sort(byOrder).map((e) => e.info),
  };
  if (withMembers) {
    state.members = pairs(members, 'members')
      .map(([userID, raw]) => parseMember(userID, raw))
      .sort((a, b) => a.joinSeq - b.joinSeq);
  }
  return state;
}

/** One event of a room as logged and published, with what rides along. */
export interface FeedEntry {
  seq: number;
  /** `base + seq`: keeps growing when a room of the same name is re-created (scripts.ts). */
  pos: number;
  count: number;
  event: RoomEvent;
  kick?: Omit<KickMessage, 'kind' | 'room'>;
  member?: MembershipNote;
}

function isEvent(v: unknown): v is RoomEvent {
  return typeof v === 'object' && v !== null && typeof (v as { k?: unknown }).k === 'string';
}

function entryOf(seq: number, fields: Record<string, unknown>): FeedEntry | undefined {
  const event: unknown = typeof fields.v === 'string' ? JSON.parse(fields.v) : fields.v;
  const count = Number(fields.c);
  const pos = Number(fields.p);
  if (
    !Number.isSafeInteger(seq) ||
    !Number.isSafeInteger(pos) ||
    !isEvent(event) ||
    !Number.isSafeInteger(count)
  ) {
    return undefined;
  }
  const entry: FeedEntry = { seq, pos, count, event };
  const kick: unknown = typeof fields.k === 'string' ? JSON.parse(fields.k) : fields.k;
  if (typeof kick === 'object' && kick !== null) entry.kick = kick as FeedEntry['kick'];
  const member: unknown = typeof fields.m === 'string' ? JSON.parse(fields.m) : fields.m;
  if (typeof member === 'object' && member !== null) entry.member = member as MembershipNote;
  return entry;
}

/** XRANGE entries: [[`<seq>-0`, [field, value, …]], …]. */
export function parseLogEntries(reply: unknown): FeedEntry[] {
  const out: FeedEntry[] = [];
  for (const item of asArray(reply, 'log')) {
    const [id, flat] = asArray(item, 'log entry');
    const seq = Number(asString(id, 'entry id').split('-')[0]);
    const fields: Record<string, unknown> = {};
    for (const [field, value] of pairs(flat, 'entry fields')) fields[field] = asString(value, 'entry field');
    const entry = entryOf(seq, fields);
    if (entry === undefined) throw new RedisReplyError('log entry', item);
    out.push(entry);
  }
  return out;
}

export const historyOf = (entries: FeedEntry[]): SequencedEvent[] =>
  entries.map(({ seq, event }) => ({ seq, event }));

export type ChannelMessage =
  | { kind: 'entry'; entry: FeedEntry }
  | { kind: 'barrage'; msg: BroadcastMessageInfo };

/** A message of a room's channel, or undefined when it is not one of ours. */
export function parseChannelMessage(payload: string): ChannelMessage | undefined {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const m = parsed as Record<string, unknown>;
    if (typeof m.b === 'object' && m.b !== null) {
      const msg = m.b as BroadcastMessageInfo;
      return typeof msg.messageID === 'number' ? { kind: 'barrage', msg } : undefined;
    }
    const entry = entryOf(Number(m.s), m);
    return entry === undefined ? undefined : { kind: 'entry', entry };
  } catch {
    return undefined;
  }
}
