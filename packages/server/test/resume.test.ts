// Session resume on the server (docs/contract.md, "Reconnection", docs/protocol.md "Session
// resume"): a broken link's session is kept for the grace period unseen by the others, resumed with
// a replay of what it missed (or a snapshot when the history is gone), and removed when the grace
// runs out.

import { Code, type ReplyFrame } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend, type RoomRef, type SequencedEvent } from '../src/index.js';
import { Harness } from './helpers.js';
import {
  dropLink,
  type EventFrame,
  HeldHistoryBackend,
  member,
  requestWithId,
  resumeOn,
  texts,
} from './resume-helpers.js';

const h = new Harness();
afterEach(() => h.close());

const HB = 250;

describe('resume within the grace period', () => {
  it('replays what was missed, in order, once; the others saw no leave or join', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    await a.client.waitFor((f) => f.t === 'ev' && f.k === 'join');
    expect((await a.client.request({ t: 'bcast', room: 'r1', msg: 'before' })).code).toBe(Code.OK);
    await b.client.waitFor((f) => f.t === 'ev' && f.k === 'bcast');
    const seqs = await dropLink(a);

    for (const msg of ['m1', 'm2', 'm3']) await b.client.request({ t: 'bcast', room: 'r1', msg });
    await b.client.request({ t: 'pub', room: 'r1', stream: 'cam' });
    await b.client.request({ t: 'extra', room: 'r1', key: 'k', value: 'v' });
    const c = await member(h, s, ['r1'], 'cid');
    await c.client.request({ t: 'cmd', room: 'r1', msg: 'to-ann', to: ['ann'] });
    await c.client.request({ t: 'cmd', room: 'r1', msg: 'to-bob', to: ['bob'] });

    const { client, reply, data } = await resumeOn(h, s, a, seqs);
    expect(reply.code).toBe(Code.OK);
    await client.waitFor((f) => f.t === 'ev' && f.k === 'cmd');
    const replay = client.events();
    // The reply names the last event the replay sends: the client needs no round trip to know.
    expect(data).toEqual({ hb: HB, rooms: { r1: { replayed: true, upTo: replay.at(-1)?.seq } } });
    expect(replay.map((e) => e.k)).toEqual(['bcast', 'bcast', 'bcast', 'pub', 'extra', 'join', 'cmd']);
    expect(texts(replay)).toEqual(['m1', 'm2', 'm3']);
    expect(replay.every((e) => client.frames.indexOf(e) > client.frames.indexOf(reply))).toBe(true);
    const replaySeqs = replay.map((e) => e.seq);
    expect(replaySeqs).toEqual([...new Set(replaySeqs)].sort((x, y) => x - y));
    expect(replaySeqs[0]).toBeGreaterThan(seqs.r1 ?? 0);

    // Live again, after the replay; and the session is the same one (its streams, its requests).
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'live' });
    await client.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.msg.message === 'live');
    expect(texts(client.events())).toEqual(['m1', 'm2', 'm3', 'live']);
    expect((await client.request({ t: 'bcast', room: 'r1', msg: 'back' })).code).toBe(Code.OK);
    await b.client.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.msg.message === 'back');
    expect(b.client.events().filter((e) => 'user' in e && e.user.userID === 'ann')).toEqual([]);
    expect(c.client.events('leave')).toEqual([]);
  });

  it.each([
    ['answered before them', 'answer'],
    ['that holds them too', 'read'],
  ] as const)('events ordered during a history read %s follow the replay, once each', async (_, late) => {
    const backend = new HeldHistoryBackend(late);
    const s = await h.server({ heartbeatIntervalMs: HB, backend });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    await a.client.waitFor((f) => f.t === 'ev' && f.k === 'join');
    const seqs = await dropLink(a);
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'missed' });
    backend.hold();
    const resuming = resumeOn(h, s, a, seqs);
    await backend.held();
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'during-1' });
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'during-2' });
    backend.release();
    const { client, reply } = await resuming;
    expect(reply.code).toBe(Code.OK);
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'after' });
    await client.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.msg.message === 'after');
    expect(texts(client.events())).toEqual(['missed', 'during-1', 'during-2', 'after']);
    await backend.close();
  });

  it('a room whose history no longer reaches back comes with a snapshot, then live events', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB, historyMaxEvents: 4 });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    await a.client.waitFor((f) => f.t === 'ev' && f.k === 'join');
    const seqs = await dropLink(a);
    await b.client.request({ t: 'pub', room: 'r1', stream: 'cam' });
    for (let i = 0; i < 6; i++) await b.client.request({ t: 'bcast', room: 'r1', msg: `m${i}` });
    const c = await member(h, s, ['r1'], 'cid');
    const { client, reply, data } = await resumeOn(h, s, a, seqs);
    expect(reply.code).toBe(Code.OK);
    const room = data.rooms.r1;
    if (room === undefined || !('replayed' in room) || room.replayed) throw new Error(JSON.stringify(data));
    expect(room.snapshot.users?.map((u) => u.userID).sort()).toEqual(['bob', 'cid']);
    expect(room.snapshot.streams.map((st) => st.streamID)).toEqual(['cam']);
    expect(room.snapshot.count).toBe(3);
    await c.client.request({ t: 'bcast', room: 'r1', msg: 'live' });
    const live = await client.waitFor<EventFrame>((f) => f.t === 'ev' && f.k === 'bcast');
    expect(live.seq).toBeGreaterThan(room.snapshot.seq);
    expect(texts(client.events())).toEqual(['live']);
  });

  it('a member without user updates resumes with a replay after more joins and leaves than the history holds', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB, historyMaxEvents: 4 });
    const a = await member(h, s, ['r1'], 'ann', { userUpdate: false });
    const b = await member(h, s, ['r1'], 'bob');
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'before' });
    await a.client.waitFor((f) => f.t === 'ev' && f.k === 'bcast');
    const seqs = await dropLink(a);
    // Twelve events ann is never shown: the history of four no longer reaches back to her seq.
    for (let i = 0; i < 6; i++) {
      const passer = await member(h, s, ['r1'], `passer${i}`);
      await passer.client.request({ t: 'logout' });
    }
    const { client, reply, data } = await resumeOn(h, s, a, seqs);
    expect(reply.code).toBe(Code.OK);
    expect(data.rooms.r1).toEqual({ replayed: true, upTo: 0 });
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'live' });
    await client.waitFor((f) => f.t === 'ev' && f.k === 'bcast');
    expect(texts(client.events())).toEqual(['live']);
    // A member with user updates was shown those twelve: it still needs them, or a snapshot.
    const c = await member(h, s, ['r1'], 'cid');
    const cSeqs = await dropLink(c);
    for (let i = 6; i < 9; i++) {
      const passer = await member(h, s, ['r1'], `passer${i}`);
      await passer.client.request({ t: 'logout' });
    }
    const back = await resumeOn(h, s, c, cSeqs);
    expect(back.data.rooms.r1).toMatchObject({ replayed: false });
  });

  it('tells the resumed member the online count now, which changed while it was away', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB, onlineCountIntervalMs: 50 });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    await a.client.waitFor((f) => f.t === 'count' && f.n === 2);
    const seqs = await dropLink(a);
    await member(h, s, ['r1'], 'cid');
    await member(h, s, ['r1'], 'dan');
    // The room's `count` frame for 4 went out while ann was away.
    await b.client.waitFor((f) => f.t === 'count' && f.n === 4);
    const { client, reply } = await resumeOn(h, s, a, seqs);
    expect(reply.code).toBe(Code.OK);
    const count = await client.waitFor((f) => f.t === 'count');
    expect(count).toEqual({ t: 'count', room: 'r1', n: 4 });
    expect(client.frames.indexOf(count)).toBeGreaterThan(client.frames.indexOf(reply));
  });

  it('a silent link not yet noticed is closed by the resume, and gets nothing more', async () => {
    const s = await h.server({ heartbeatIntervalMs: 2000 });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    await a.client.waitFor((f) => f.t === 'ev' && f.k === 'join');
    a.client.stopPinging();
    const { client, reply } = await resumeOn(h, s, a, { r1: a.joinedAt.get('r1') ?? 0 });
    expect(reply.code).toBe(Code.OK);
    await a.client.whenClosed();
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'hi' });
    await client.waitFor((f) => f.t === 'ev' && f.k === 'bcast');
    expect(a.client.events('bcast')).toEqual([]);
    expect(b.client.events('leave')).toEqual([]);
  });

  it('a room the client no longer names is left (a logout lost in the cut)', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB });
    const a = await member(h, s, ['r1', 'r2'], 'ann');
    const b = await member(h, s, ['r2'], 'bob', { multi: true });
    const seqs = await dropLink(a);
    const { reply, data } = await resumeOn(h, s, a, { r1: seqs.r1 ?? 0 });
    expect(reply.code).toBe(Code.OK);
    expect(Object.keys(data.rooms)).toEqual(['r1']);
    await b.client.waitFor((f) => f.t === 'ev' && f.k === 'leave' && f.user.userID === 'ann');
  });
  it('of two resumes racing for one session, the newer wins and the older is refused', async () => {
    const backend = new HeldHistoryBackend();
    const s = await h.server({ heartbeatIntervalMs: HB, backend });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    const seqs = await dropLink(a);
    backend.hold();
    const older = resumeOn(h, s, a, seqs);
    await backend.held();
    const newer = resumeOn(h, s, a, seqs);
    await backend.held(2);
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'meanwhile' });
    backend.release();
    const [lost, won] = await Promise.all([older, newer]);
    expect(lost.reply).toMatchObject({ code: Code.NOT_LOGGED_IN, ext: 'resumed on another link' });
    expect(won.reply.code).toBe(Code.OK);
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'after' });
    await won.client.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.msg.message === 'after');
    expect(texts(won.client.events())).toEqual(['meanwhile', 'after']);
    expect(lost.client.events()).toEqual([]);
    await backend.close();
  });

  it('a history read that fails is answered 1002099; the session stays for the next resume', async () => {
    class FlakyHistory extends MemoryBackend {
      failNext = false;
      override async history(room: RoomRef, afterSeq: number): Promise<SequencedEvent[] | null> {
        if (this.failNext) {
          this.failNext = false;
          throw new Error('backend down');
        }
        return super.history(room, afterSeq);
      }
    }
    const backend = new FlakyHistory();
    const s = await h.server({ heartbeatIntervalMs: HB, backend });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    const seqs = await dropLink(a);
    backend.failNext = true;
    expect((await resumeOn(h, s, a, seqs)).reply.code).toBe(Code.INTERNAL);
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'missed' });
    const { client, reply } = await resumeOn(h, s, a, seqs);
    expect(reply.code).toBe(Code.OK);
    await client.waitFor((f) => f.t === 'ev' && f.k === 'bcast');
    expect(texts(client.events())).toEqual(['missed']);
    expect(b.client.events('leave')).toEqual([]);
    await backend.close();
  });
});

describe('when resume is impossible', () => {
  it('the grace period runs out: the others get unpub for each stream, then leave', async () => {
    const graceMs = 400;
    const s = await h.server({ heartbeatIntervalMs: HB, sessionGraceMs: graceMs });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    await a.client.request({ t: 'pub', room: 'r1', stream: 's1' });
    await a.client.request({ t: 'pub', room: 'r1', stream: 's2' });
    await b.client.waitFor((f) => f.t === 'ev' && f.k === 'pub' && f.stream.streamID === 's2');
    const mark = b.client.mark();
    const seqs = await dropLink(a);
    const droppedAt = performance.now();
    await b.client.waitFor((f) => f.t === 'ev' && f.k === 'leave', mark);
    expect(performance.now() - droppedAt).toBeGreaterThanOrEqual(graceMs - 50);
    expect(b.client.events(undefined, mark).map((e) => e.k)).toEqual(['unpub', 'unpub', 'leave']);
    const { reply } = await resumeOn(h, s, a, seqs);
    expect(reply).toMatchObject({ code: Code.NOT_LOGGED_IN, ext: 'session unknown' });
  });

  it('an unknown session, or a wrong key, is refused as unknown; the right key still resumes', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB });
    const a = await member(h, s, ['r1'], 'ann');
    const seqs = await dropLink(a);
    const unknown = await resumeOn(h, s, { session: 'no-such-session', key: a.key }, seqs);
    expect(unknown.reply).toMatchObject({ code: Code.NOT_LOGGED_IN, ext: 'session unknown' });
    const wrongKey = await resumeOn(h, s, { session: a.session, key: `${a.key}x` }, seqs);
    expect(wrongKey.reply).toMatchObject({ code: Code.NOT_LOGGED_IN, ext: 'session unknown' });
    expect((await resumeOn(h, s, a, seqs)).reply.code).toBe(Code.OK);
  });

  it('a link that already has a session cannot resume another', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    const seqs = await dropLink(a);
    const reply = await b.client.request({ t: 'resume', session: a.session, key: a.key, rooms: seqs });
    expect(reply.code).toBe(Code.INPUT_PARAM);
    expect((await resumeOn(h, s, a, seqs)).reply.code).toBe(Code.OK);
  });
});

describe('reliable sends are applied once per request id', () => {
  it('a resend of an applied id gets the same reply and is not applied again, across a resume', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    const first = await requestWithId(a.client, 5001, { t: 'bcast', room: 'r1', msg: 'once' });
    const again = await requestWithId(a.client, 5001, { t: 'bcast', room: 'r1', msg: 'once' });
    expect(first.code).toBe(Code.OK);
    expect(again).toEqual(first);
    const pub = await requestWithId(a.client, 5002, { t: 'pub', room: 'r1', stream: 'cam' });
    const seqs = await dropLink(a);
    const { client } = await resumeOn(h, s, a, seqs);
    // The replies were lost in the cut: the client sends both again with their ids.
    expect(await requestWithId(client, 5001, { t: 'bcast', room: 'r1', msg: 'once' })).toEqual(first);
    expect(await requestWithId(client, 5002, { t: 'pub', room: 'r1', stream: 'cam' })).toEqual(pub);
    // A new id is a new message, even with the same text.
    const other: ReplyFrame = await requestWithId(client, 5003, { t: 'bcast', room: 'r1', msg: 'once' });
    expect(other.code).toBe(Code.OK);
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'sync' });
    await client.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.msg.message === 'sync');
    expect(texts(b.client.events())).toEqual(['once', 'once']);
    expect(b.client.events('pub')).toHaveLength(1);
  });

  it('the same id with other content (another engine of the user) is a new request', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB });
    const a1 = await member(h, s, ['r1'], 'ann', { multi: true });
    const a2 = await member(h, s, ['r2'], 'ann', { multi: true });
    const b = await member(h, s, ['r1', 'r2'], 'bob');
    expect((await requestWithId(a1.client, 7, { t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.OK);
    expect((await requestWithId(a2.client, 7, { t: 'bcast', room: 'r2', msg: 'x' })).code).toBe(Code.OK);
    expect((await requestWithId(a1.client, 8, { t: 'bcast', room: 'r1', msg: 'y' })).code).toBe(Code.OK);
    await b.client.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.msg.message === 'y');
    await b.client.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.room === 'r2');
    expect(texts(b.client.events())).toHaveLength(3);
  });
});

describe('server close', () => {
  it('says bye with 1002051 to every link before closing it', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB });
    const a = await member(h, s, ['r1'], 'ann');
    const idle = await h.client(s);
    await s.close();
    for (const c of [a.client, idle]) {
      await c.whenClosed();
      expect(c.frames.at(-1)).toEqual({ t: 'bye', code: Code.CONNECTION_INTERRUPTED });
    }
  });
});
