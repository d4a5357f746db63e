// Who sees which room event, online counts, and rooms coming and going.

import { Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('user join/leave visibility', () => {
  it('join and leave reach members with userUpdate only, never the user itself', async () => {
    const s = await h.server();
    const [watcher, quiet, mover] = [await h.client(s), await h.client(s), await h.client(s)];
    await watcher.joined('r1', 'w', { userUpdate: true });
    await quiet.joined('r1', 'q', { userUpdate: false });
    const data = await mover.joined('r1', 'm', { userUpdate: true });
    expect(data.snapshot.users?.map((u) => u.userID).sort()).toEqual(['q', 'w']);
    await mover.request({ t: 'logout' });
    await watcher.waitFor((f) => f.t === 'ev' && f.k === 'leave');
    await quiet.sync();
    await mover.sync();
    expect(watcher.events().map((e) => [e.k, 'user' in e ? e.user.userID : ''])).toEqual([
      ['join', 'q'],
      ['join', 'm'],
      ['leave', 'm'],
    ]);
    expect(quiet.events()).toEqual([]);
    expect(mover.events()).toEqual([]);
  });

  it('a snapshot lists users only for a login with userUpdate', async () => {
    const s = await h.server();
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'u1');
    const data = await b.joined('r1', 'u2', { userUpdate: false });
    expect(data.snapshot.users).toBeUndefined();
    expect(data.snapshot.count).toBe(2);
  });

  it('userName defaults to the userID', async () => {
    const s = await h.server();
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'u1');
    await b.joined('r1', 'u2', { userName: 'Ann' });
    const join = await a.waitFor((f) => f.t === 'ev' && f.k === 'join');
    expect(join).toMatchObject({ user: { userID: 'u2', userName: 'Ann' } });
    const c = await h.client(s);
    const data = await c.joined('r1', 'u3');
    expect(data.snapshot.users).toContainEqual({ userID: 'u1', userName: 'u1' });
  });

  it('a closed link ends its session after the grace period: others get unpub for its streams, then leave', async () => {
    const s = await h.server({ sessionGraceMs: 300 });
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'u1');
    await b.joined('r1', 'u2');
    await a.waitFor((f) => f.t === 'ev' && f.k === 'join');
    const mark = a.mark();
    await b.request({ t: 'pub', room: 'r1', stream: 's1' });
    await b.request({ t: 'pub', room: 'r1', stream: 's2' });
    await b.close();
    await a.waitFor((f) => f.t === 'ev' && f.k === 'leave', mark);
    expect(a.events(undefined, mark).map((e) => e.k)).toEqual(['pub', 'pub', 'unpub', 'unpub', 'leave']);
    const seqs = a.events().map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });
});

describe('online count', () => {
  it('sent at most once per interval per room at or above onlineCountEveryChangeBelow, while the count changes', async () => {
    const intervalMs = 300;
    const s = await h.server({
      onlineCountIntervalMs: intervalMs,
      sessionGraceMs: 0,
      onlineCountEveryChangeBelow: 0,
    });
    const a = await h.client(s);
    expect((await a.joined('r1', 'u1')).snapshot.count).toBe(1);
    const others = [await h.client(s), await h.client(s), await h.client(s)];
    for (const [i, c] of others.entries()) await c.joined('r1', `u${i + 2}`);
    const first = await a.waitFor((f) => f.t === 'count' && f.n === 4);
    const firstAt = performance.now();
    expect(first).toEqual({ t: 'count', room: 'r1', n: 4 });
    // Three joins, one frame: the changes within an interval are folded.
    expect(a.since(0, (f) => f.t === 'count')).toHaveLength(1);
    await others[0]?.close();
    await a.waitFor((f) => f.t === 'count' && f.n === 3);
    expect(performance.now() - firstAt).toBeGreaterThanOrEqual(intervalMs - 50);
    // Newcomers get the count in their snapshot, and the count frames too.
    const late = await h.client(s);
    expect((await late.joined('r1', 'late')).snapshot.count).toBe(4);
    await late.waitFor((f) => f.t === 'count' && f.n === 4);
  });

  it('a room below onlineCountEveryChangeBelow gets its count right after every join and leave', async () => {
    // An interval far longer than the test: every frame seen comes from a change.
    const s = await h.server({
      onlineCountIntervalMs: 60_000,
      sessionGraceMs: 0,
      onlineCountEveryChangeBelow: 3,
    });
    const a = await h.client(s);
    await a.joined('r1', 'u1');
    const b = await h.client(s);
    await b.joined('r1', 'u2');
    // The join first, then the count, so the member list and the badge change together.
    await a.waitFor((f) => f.t === 'count' && f.n === 2);
    const order = a.since(0, (f) => (f.t === 'ev' && f.k === 'join') || f.t === 'count').map((f) => f.t);
    expect(order).toEqual(['ev', 'count']);
    await b.close();
    await a.waitFor((f) => f.t === 'count' && f.n === 1);
    // At the threshold, the interval rules again: a third member's join sends no count now.
    const c = await h.client(s);
    await c.joined('r1', 'u3');
    const d = await h.client(s);
    await d.joined('r1', 'u4');
    await a.waitFor((f) => f.t === 'ev' && f.k === 'join' && f.user.userID === 'u4');
    await a.sync();
    expect(a.since(0, (f) => f.t === 'count').map((f) => (f as { n: number }).n)).toEqual([2, 1, 2]);
  });

  it('no count frame while the count does not change', async () => {
    const s = await h.server({ onlineCountIntervalMs: 50, heartbeatIntervalMs: 200 });
    const a = await h.client(s);
    await a.joined('r1', 'u1');
    // Several sweeps pass (the client's pings are answered in between).
    const mark = a.mark();
    await a.waitFor((f) => f.t === 'pong', mark);
    await a.waitFor((f) => f.t === 'pong', a.mark());
    await a.waitFor((f) => f.t === 'pong', a.mark());
    expect(a.since(0, (f) => f.t === 'count')).toEqual([]);
  });
});

describe('room lifetime', () => {
  it('a room with no members is destroyed, extra info with it; a later login creates it afresh', async () => {
    const s = await h.server();
    const a = await h.client(s);
    await a.joined('r1', 'u1', { maxMemberCount: 1 });
    expect((await a.request({ t: 'extra', room: 'r1', key: 'k', value: 'v' })).code).toBe(Code.OK);
    await a.request({ t: 'logout' });
    const b = await h.client(s);
    const data = await b.joined('r1', 'u2', { maxMemberCount: 2 });
    expect(data.snapshot).toEqual({ seq: 1, users: [], streams: [], extra: [], count: 1 });
    // The new creator's maxMemberCount applies, not the old one.
    const c = await h.client(s);
    expect((await c.login('r1', 'u3')).code).toBe(Code.OK);
    const d = await h.client(s);
    expect((await d.login('r1', 'u4')).code).toBe(Code.ROOM_FULL);
  });

  it('events of one room never leak into another', async () => {
    const s = await h.server();
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'u1');
    await b.joined('r2', 'u2');
    const c = await h.client(s);
    await c.joined('r2', 'u3');
    await c.request({ t: 'bcast', room: 'r2', msg: 'only r2' });
    await b.waitFor((f) => f.t === 'ev' && f.k === 'bcast');
    await a.sync();
    expect(a.events()).toEqual([]);
  });
});
