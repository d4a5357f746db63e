// Raw-protocol helpers for the resume suites: a member whose link goes away, and the resume of
// its session on a fresh link.

import type { LoginReplyData, ReplyFrame, ResumeReplyData, ServerFrame } from '@atrium/protocol';
import { MemoryBackend, type RoomRef, type RoomServer, type SequencedEvent } from '../src/index.js';
import type { Harness, LoginOptions, TestClient } from './helpers.js';

export interface Member {
  client: TestClient;
  session: string;
  key: string;
  /** Per room, the snapshot seq of its login. */
  joinedAt: Map<string, number>;
}

export async function member(
  h: Harness,
  s: RoomServer,
  rooms: string[],
  userID: string,
  o: LoginOptions = {},
): Promise<Member> {
  const client = await h.client(s);
  const joinedAt = new Map<string, number>();
  let first: LoginReplyData | undefined;
  for (const room of rooms) {
    const data = await client.joined(room, userID, { multi: rooms.length > 1, ...o });
    first ??= data;
    joinedAt.set(room, data.snapshot.seq);
  }
  if (first === undefined) throw new Error('member of no room');
  return { client, session: first.session, key: first.key, joinedAt };
}

/** The last `seq` the member's client processed in `room`, as an SDK would track it. */
export function lastSeq(m: Member, room: string): number {
  const seqs = m.client
    .events()
    .filter((e) => e.room === room)
    .map((e) => e.seq);
  return Math.max(m.joinedAt.get(room) ?? 0, ...seqs);
}

/** Closes the member's link (cleanly: a client going away), its session stays on the server. */
export async function dropLink(m: Member): Promise<Record<string, number>> {
  const rooms: Record<string, number> = {};
  for (const room of m.joinedAt.keys()) rooms[room] = lastSeq(m, room);
  await m.client.close();
  return rooms;
}

/** A fresh link that resumes the member's session; resolves with the client and the reply. */
export async function resumeOn(
  h: Harness,
  s: RoomServer,
  m: Pick<Member, 'session' | 'key'>,
  rooms: Record<string, number>,
): Promise<{ client: TestClient; reply: ReplyFrame; data: ResumeReplyData }> {
  const client = await h.client(s);
  const reply = await client.request({ t: 'resume', session: m.session, key: m.key, rooms });
  return { client, reply, data: reply.data as ResumeReplyData };
}

export type EventFrame = Extract<ServerFrame, { t: 'ev' }>;

/** Broadcast texts of the `bcast` events, in arrival order. */
export function texts(events: EventFrame[]): string[] {
  return events.flatMap((e) => (e.k === 'bcast' ? [e.msg.message] : []));
}

/** Sends a request with the given id (a resend keeps its id) and resolves with its reply. */
export async function requestWithId(
  client: TestClient,
  id: number,
  frame: Record<string, unknown>,
): Promise<ReplyFrame> {
  const reply = client.waitFor<ReplyFrame>((f) => f.t === 'reply' && f.id === id, client.mark());
  client.send({ ...frame, id });
  return reply;
}

/**
 * Holds history reads back until `release()`: answered at once but delivered late (`'answer'`),
 * or read only once released (`'read'`, so it also holds what arrived meanwhile).
 */
export class HeldHistoryBackend extends MemoryBackend {
  private gate: Promise<void> | undefined;
  private open: () => void = () => {};
  private heldReads = 0;
  private readWaiters: { count: number; resolve: () => void }[] = [];

  constructor(private readonly late: 'answer' | 'read' = 'answer') {
    super();
  }

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open();
  }

  /** Resolves once `count` history reads are being held. */
  held(count = 1): Promise<void> {
    if (this.heldReads >= count) return Promise.resolve();
    return new Promise((resolve) => this.readWaiters.push({ count, resolve }));
  }

  override async history(room: RoomRef, afterSeq: number): Promise<SequencedEvent[] | null> {
    if (this.gate === undefined) return super.history(room, afterSeq);
    const early = this.late === 'answer' ? await super.history(room, afterSeq) : null;
    this.heldReads++;
    for (const w of this.readWaiters.filter((x) => x.count <= this.heldReads)) w.resolve();
    this.readWaiters = this.readWaiters.filter((x) => x.count > this.heldReads);
    await this.gate;
    return this.late === 'answer' ? early : super.history(room, afterSeq);
  }
}
