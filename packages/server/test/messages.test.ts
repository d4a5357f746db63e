// Room extra info, broadcast, barrage and custom commands.

import { Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('room extra info', () => {
  it('enforces the key and value limits of docs/contract.md', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1');
    const extra = (key: string, value: string) => c.request({ t: 'extra', room: 'r1', key, value });
    expect((await extra('', 'v')).code).toBe(Code.EXTRA_KEY_EMPTY);
    expect((await extra('k'.repeat(11), 'v')).code).toBe(Code.EXTRA_KEY_TOO_LONG);
    expect((await extra('k', 'v'.repeat(129))).code).toBe(Code.EXTRA_VALUE_TOO_LONG);
    expect((await extra('k'.repeat(10), 'v'.repeat(128))).code).toBe(Code.OK);
    expect((await extra('other', 'v')).code).toBe(Code.EXTRA_TOO_MANY_KEYS);
    expect((await extra('k'.repeat(10), '')).code).toBe(Code.OK);
  });

  it('newest wins, others are told (not the updater), late joiners get it in the snapshot', async () => {
    const s = await h.server();
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'a');
    await b.joined('r1', 'b', { userName: 'Bea' });
    await a.request({ t: 'extra', room: 'r1', key: 'topic', value: 'first' });
    await b.request({ t: 'extra', room: 'r1', key: 'topic', value: 'second' });
    const fromA = await b.waitFor((f) => f.t === 'ev' && f.k === 'extra');
    expect(fromA).toMatchObject({ info: { key: 'topic', value: 'first', updateUser: { userID: 'a' } } });
    const fromB = await a.waitFor((f) => f.t === 'ev' && f.k === 'extra');
    expect(fromB).toMatchObject({
      info: { key: 'topic', value: 'second', updateUser: { userID: 'b', userName: 'Bea' } },
    });
    await a.sync();
    await b.sync();
    expect(a.events('extra')).toHaveLength(1);
    expect(b.events('extra')).toHaveLength(1);
    const late = await h.client(s);
    const data = await late.joined('r1', 'c');
    expect(data.snapshot.extra).toEqual([
      {
        key: 'topic',
        value: 'second',
        updateUser: { userID: 'b', userName: 'Bea' },
        updateTime: expect.any(Number),
      },
    ]);
  });

  it('the key limit is a server option', async () => {
    const c = await h.client(await h.server({ roomExtraMaxKeys: 2, roomExtraValueMaxBytes: 4 }));
    await c.joined('r1', 'u1');
    const extra = (key: string, value: string) => c.request({ t: 'extra', room: 'r1', key, value });
    expect((await extra('a', '1')).code).toBe(Code.OK);
    expect((await extra('b', '2')).code).toBe(Code.OK);
    expect((await extra('c', '3')).code).toBe(Code.EXTRA_TOO_MANY_KEYS);
    expect((await extra('a', '12345')).code).toBe(Code.EXTRA_VALUE_TOO_LONG);
  });
});

describe('broadcast', () => {
  it('reaches every other member exactly once and in order, never the sender', async () => {
    const s = await h.server();
    const [sender, x, y] = [await h.client(s), await h.client(s), await h.client(s)];
    await sender.joined('r1', 'snd');
    await x.joined('r1', 'x');
    await y.joined('r1', 'y', { userUpdate: false });
    const n = 50;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => sender.request({ t: 'bcast', room: 'r1', msg: `m${i}` })),
    );
    const ids = replies.map((r) => (r.data as { messageID: number }).messageID);
    expect(replies.every((r) => r.code === Code.OK)).toBe(true);
    expect(ids).toEqual([...ids].sort((p, q) => p - q));
    expect(new Set(ids).size).toBe(n);
    for (const c of [x, y]) {
      await c.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.msg.message === `m${n - 1}`);
      await c.sync();
      const got = c.events('bcast');
      expect(got.map((e) => (e.k === 'bcast' ? e.msg.message : ''))).toEqual(
        Array.from({ length: n }, (_, i) => `m${i}`),
      );
      expect(got.map((e) => (e.k === 'bcast' ? e.msg.messageID : 0))).toEqual(ids);
      expect(got[0]).toMatchObject({
        msg: { fromUser: { userID: 'snd', userName: 'snd' }, sendTime: expect.any(Number) },
      });
    }
    await sender.sync();
    expect(sender.events('bcast')).toEqual([]);
  });

  it('message text: 1–1024 bytes by default, ZEGO’s codes otherwise (1009001 empty, 1009013 / 1009002 too long)', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1');
    expect((await c.request({ t: 'bcast', room: 'r1', msg: '' })).code).toBe(Code.MESSAGE_EMPTY);
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'é'.repeat(513) })).code).toBe(
      Code.MESSAGE_TOO_LONG,
    );
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'é'.repeat(512) })).code).toBe(Code.OK);
    expect((await c.request({ t: 'barrage', room: 'r1', msg: '' })).code).toBe(Code.MESSAGE_EMPTY);
    expect((await c.request({ t: 'barrage', room: 'r1', msg: 'x'.repeat(1025) })).code).toBe(
      Code.MESSAGE_TOO_LONG,
    );
    expect((await c.request({ t: 'cmd', room: 'r1', msg: 'x'.repeat(1025), to: ['u2'] })).code).toBe(
      Code.COMMAND_TOO_LONG,
    );
    expect((await c.request({ t: 'cmd', room: 'r1', msg: '', to: ['u2'] })).code).toBe(Code.MESSAGE_EMPTY);
  });

  it('the limit is the server’s messageMaxBytes', async () => {
    const c = await h.client(await h.server({ messageMaxBytes: 4096 }));
    await c.joined('r1', 'u1');
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'x'.repeat(4096) })).code).toBe(Code.OK);
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'x'.repeat(4097) })).code).toBe(
      Code.MESSAGE_TOO_LONG,
    );
    expect((await c.request({ t: 'cmd', room: 'r1', msg: 'x'.repeat(4097), to: [] })).code).toBe(
      Code.COMMAND_TOO_LONG,
    );
  });

  it('a room the session is not in: 1009005 while it is in another, 1000002 while it is in none', async () => {
    const c = await h.client(await h.server());
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.NOT_LOGGED_IN);
    await c.joined('r1', 'u1');
    for (const t of ['bcast', 'barrage'] as const) {
      expect((await c.request({ t, room: 'r2', msg: 'x' })).code).toBe(Code.MESSAGE_NOT_IN_ROOM);
    }
    expect((await c.request({ t: 'cmd', room: 'r2', msg: 'x', to: [] })).code).toBe(Code.MESSAGE_NOT_IN_ROOM);
  });
});

describe('barrage', () => {
  it('reaches the others unsequenced, with a messageID', async () => {
    const s = await h.server();
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'a');
    await b.joined('r1', 'b');
    const reply = await a.request({ t: 'barrage', room: 'r1', msg: 'woo' });
    expect(reply.code).toBe(Code.OK);
    const frame = await b.waitFor((f) => f.t === 'barrage');
    expect(frame).toEqual({
      t: 'barrage',
      room: 'r1',
      msg: {
        fromUser: { userID: 'a', userName: 'a' },
        message: 'woo',
        sendTime: expect.any(Number),
        messageID: (reply.data as { messageID: number }).messageID,
      },
    });
    await a.sync();
    expect(a.since(0, (f) => f.t === 'barrage')).toEqual([]);
  });
});

describe('custom command', () => {
  it('reaches the listed users only', async () => {
    const s = await h.server();
    const [a, b, c, d] = [await h.client(s), await h.client(s), await h.client(s), await h.client(s)];
    await a.joined('r1', 'a');
    await b.joined('r1', 'b');
    await c.joined('r1', 'c');
    await d.joined('r2', 'd');
    const reply = await a.request({ t: 'cmd', room: 'r1', msg: 'do it', to: ['b', 'd', 'nobody', 'b'] });
    expect(reply.code).toBe(Code.OK);
    const got = await b.waitFor((f) => f.t === 'ev' && f.k === 'cmd');
    expect(got).toMatchObject({ room: 'r1', from: { userID: 'a' }, msg: 'do it' });
    await b.sync();
    expect(b.events('cmd')).toHaveLength(1);
    for (const other of [a, c, d]) {
      await other.sync();
      expect(other.events('cmd')).toEqual([]);
    }
  });

  it('validates the target list (1100001); an empty one is the whole room', async () => {
    const c = await h.client(await h.server());
    await c.joined('r1', 'u1');
    const cmd = (to: unknown) => c.request({ t: 'cmd', room: 'r1', msg: 'x', to });
    expect((await cmd([])).code).toBe(Code.OK);
    expect((await cmd(['bad user'])).code).toBe(Code.INPUT_PARAM);
    expect((await cmd(Array.from({ length: 101 }, (_, i) => `u${i}`))).code).toBe(Code.INPUT_PARAM);
    expect((await cmd('u2')).code).toBe(Code.INPUT_PARAM);
    expect((await cmd(['u2'])).code).toBe(Code.OK);
  });
});
