// Each admin action over real HTTP against members on real sockets: what the members see,
// the reply's Data, and the action's own errors (2, 50001, 50011, 50012).

import { AdminCode, Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdminInput, admin, adminOk } from './admin-helpers.js';
import { Harness } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

async function room(roomID: string, userIDs: string[]) {
  const s = await h.server();
  const clients = [];
  for (const userID of userIDs) {
    const c = await h.client(s);
    await c.joined(roomID, userID, { userName: `${userID}-name` });
    clients.push(c);
  }
  return { s, clients };
}

describe('KickoutUser', () => {
  it('kicks the listed users with 1002055 and the CustomReason; the others see them leave', async () => {
    const {
      s,
      clients: [ann, bob, cat],
    } = await room('r1', ['ann', 'bob', 'cat']);
    const mark = cat!.mark();
    expect(
      await adminOk(s, 'KickoutUser', {
        RoomId: 'r1',
        UserId: ['ann', 'bob', 'nobody'],
        CustomReason: 'spam',
      }),
    ).toEqual({});
    for (const c of [ann!, bob!]) {
      expect(await c.waitFor((f) => f.t === 'kick')).toEqual({
        t: 'kick',
        room: 'r1',
        code: Code.KICKED_BY_BACKEND,
        ext: 'spam',
      });
    }
    await cat!.waitFor((f) => f.t === 'ev' && f.k === 'leave' && f.user.userID === 'bob', mark);
    expect(cat!.events('leave', mark).map((e) => (e.k === 'leave' ? e.user.userID : ''))).toEqual([
      'ann',
      'bob',
    ]);
    expect(cat!.since(0, (f) => f.t === 'kick')).toEqual([]);
    expect(await adminOk(s, 'DescribeUserNum', { RoomId: ['r1'] })).toEqual({
      UserCountList: [{ RoomId: 'r1', UserCount: 1, AdminUserCount: 0 }],
    });
  });

  it('1–5 users (0 → 2, 6 → 50011), a valid RoomId (2) of a room that exists (50001)', async () => {
    const { s } = await room('r1', ['ann']);
    const six = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect((await admin(s, 'KickoutUser', { RoomId: 'r1', UserId: six })).reply.Code).toBe(
      AdminCode.USER_LIST_TOO_LONG,
    );
    expect((await admin(s, 'KickoutUser', { RoomId: 'r1' })).reply.Code).toBe(AdminCode.INPUT_ERROR);
    expect((await admin(s, 'KickoutUser', { RoomId: 'r1', UserId: ['bad id'] })).reply.Code).toBe(
      AdminCode.INPUT_ERROR,
    );
    expect((await admin(s, 'KickoutUser', { UserId: ['ann'] })).reply).toMatchObject({
      Code: AdminCode.INPUT_ERROR,
      Message: 'RoomId: roomID is empty',
    });
    expect((await admin(s, 'KickoutUser', { RoomId: 'gone', UserId: ['ann'] })).reply.Code).toBe(
      AdminCode.ROOM_NOT_EXIST,
    );
    expect(
      (await admin(s, 'KickoutUser', { RoomId: 'r1', UserId: ['ann'], CustomReason: 'x'.repeat(257) })).reply
        .Code,
    ).toBe(AdminCode.INPUT_ERROR);
  });
});

describe('CloseRoom', () => {
  it('kicks every member with 1002055 and the reason; the room is gone', async () => {
    const { s, clients } = await room('r1', ['ann', 'bob']);
    expect(await adminOk(s, 'CloseRoom', { RoomId: 'r1', CustomReason: 'closing time' })).toEqual({});
    for (const c of clients) {
      expect(await c.waitFor((f) => f.t === 'kick')).toMatchObject({
        code: Code.KICKED_BY_BACKEND,
        ext: 'closing time',
      });
    }
    expect((await adminOk(s, 'DescribeUserNum', { RoomId: ['r1'] })).UserCountList).toEqual([
      { RoomId: 'r1', UserCount: 0, AdminUserCount: 0 },
    ]);
    expect((await admin(s, 'CloseRoom', { RoomId: 'r1' })).reply.Code).toBe(AdminCode.ROOM_NOT_EXIST);
  });
});

describe('DescribeUserNum, DescribeUsers, DescribeUserList', () => {
  it('DescribeUserNum: per room, 0 for a room that does not exist; 1–10 rooms', async () => {
    const { s } = await room('r1', ['ann', 'bob']);
    expect(await adminOk(s, 'DescribeUserNum', { RoomId: ['r1', 'r2'] })).toEqual({
      UserCountList: [
        { RoomId: 'r1', UserCount: 2, AdminUserCount: 0 },
        { RoomId: 'r2', UserCount: 0, AdminUserCount: 0 },
      ],
    });
    const eleven = Array.from({ length: 11 }, (_, i) => `r${i}`);
    expect((await admin(s, 'DescribeUserNum', { RoomId: eleven })).reply.Code).toBe(AdminCode.INPUT_ERROR);
    expect((await admin(s, 'DescribeUserNum')).reply.Code).toBe(AdminCode.INPUT_ERROR);
  });

  it('DescribeUsers: in the room or not, with name and login time; 1–10 users (11 → 50011)', async () => {
    const before = Date.now();
    const { s } = await room('r1', ['ann']);
    const data = await adminOk(s, 'DescribeUsers', { RoomId: 'r1', UserId: ['ann', 'zed'] });
    expect(data.UserList).toEqual([
      { UserId: 'ann', UserName: 'ann-name', Status: 1, LoginTime: expect.any(Number) },
      { UserId: 'zed', UserName: '', Status: 0, LoginTime: 0 },
    ]);
    const loginTime = (data.UserList as { LoginTime: number }[])[0]?.LoginTime ?? 0;
    expect(loginTime).toBeGreaterThanOrEqual(before);
    expect(loginTime).toBeLessThanOrEqual(Date.now());
    const eleven = Array.from({ length: 11 }, (_, i) => `u${i}`);
    expect((await admin(s, 'DescribeUsers', { RoomId: 'r1', UserId: eleven })).reply.Code).toBe(
      AdminCode.USER_LIST_TOO_LONG,
    );
  });

  it('DescribeUserList: login order, pages of Limit joined by Marker, Mode 1 newest first', async () => {
    const { s, clients } = await room('r1', ['u1', 'u2', 'u3', 'u4', 'u5']);
    // A leave in the middle does not disturb the order of the rest.
    await clients[1]!.request({ t: 'logout' });
    const ids = (d: Record<string, unknown>) => (d.UserList as { UserId: string }[]).map((u) => u.UserId);
    const first = await adminOk(s, 'DescribeUserList', { RoomId: 'r1', Limit: 2 });
    expect(ids(first)).toEqual(['u1', 'u3']);
    expect(first.Marker).not.toBe('');
    // A later joiner lands on a later page, not on one already read.
    const late = await h.client(s);
    await late.joined('r1', 'u6');
    const second = await adminOk(s, 'DescribeUserList', {
      RoomId: 'r1',
      Limit: 2,
      Marker: String(first.Marker),
    });
    expect(ids(second)).toEqual(['u4', 'u5']);
    expect(second.Marker).not.toBe('');
    const third = await adminOk(s, 'DescribeUserList', {
      RoomId: 'r1',
      Limit: 2,
      Marker: String(second.Marker),
    });
    expect(ids(third)).toEqual(['u6']);
    expect(third.Marker).toBe('');
    const newest = await adminOk(s, 'DescribeUserList', { RoomId: 'r1', Mode: 1, Limit: 3 });
    expect(ids(newest)).toEqual(['u6', 'u5', 'u4']);
    const rest = await adminOk(s, 'DescribeUserList', {
      RoomId: 'r1',
      Mode: 1,
      Limit: 3,
      Marker: String(newest.Marker),
    });
    expect(ids(rest)).toEqual(['u3', 'u1']);
    expect(rest.Marker).toBe('');
    expect(ids(await adminOk(s, 'DescribeUserList', { RoomId: 'r1' }))).toEqual([
      'u1',
      'u3',
      'u4',
      'u5',
      'u6',
    ]);
    expect(await adminOk(s, 'DescribeUserList', { RoomId: 'empty' })).toEqual({ Marker: '', UserList: [] });
    const bads: AdminInput[] = [{ Limit: 201 }, { Limit: -1 }, { Mode: 2 }, { Marker: 'abc' }];
    for (const bad of bads) {
      expect(
        (await admin(s, 'DescribeUserList', { RoomId: 'r1', ...bad })).reply.Code,
        JSON.stringify(bad),
      ).toBe(AdminCode.INPUT_ERROR);
    }
  });
});

describe('SendBroadcastMessage, SendBarrageMessage, SendCustomCommand', () => {
  it('a broadcast is a sequenced room event from UserId, to everyone but a member with that userID', async () => {
    const {
      s,
      clients: [ann, bob],
    } = await room('r1', ['ann', 'bob']);
    const data = await adminOk(s, 'SendBroadcastMessage', {
      RoomId: 'r1',
      UserId: 'system',
      UserName: 'System',
      MessageCategory: 1,
      MessageContent: 'maintenance at noon',
    });
    for (const c of [ann!, bob!]) {
      const ev = await c.waitFor((f) => f.t === 'ev' && f.k === 'bcast');
      expect(ev).toMatchObject({
        room: 'r1',
        seq: data.MessageId,
        msg: {
          fromUser: { userID: 'system', userName: 'System' },
          message: 'maintenance at noon',
          messageID: data.MessageId,
        },
      });
    }
    await adminOk(s, 'SendBroadcastMessage', { RoomId: 'r1', UserId: 'ann', MessageContent: 'as ann' });
    await bob!.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.msg.message === 'as ann');
    await ann!.sync();
    expect(ann!.events('bcast').map((e) => (e.k === 'bcast' ? e.msg.message : ''))).toEqual([
      'maintenance at noon',
    ]);
  });

  it('message limits: empty → 2, over 1024 bytes → 50012 (1024 is fine); unknown room → 50001', async () => {
    const { s } = await room('r1', ['ann']);
    for (const action of ['SendBroadcastMessage', 'SendBarrageMessage']) {
      const send = (MessageContent: string, RoomId = 'r1') =>
        admin(s, action, { RoomId, UserId: 'sys', MessageContent });
      expect((await send('')).reply.Code).toBe(AdminCode.INPUT_ERROR);
      expect((await send('é'.repeat(513))).reply.Code).toBe(AdminCode.MESSAGE_TOO_LONG);
      expect((await send('x'.repeat(1024))).reply.Code).toBe(0);
      expect((await send('hi', 'nowhere')).reply.Code).toBe(AdminCode.ROOM_NOT_EXIST);
      expect((await admin(s, action, { RoomId: 'r1', MessageContent: 'no sender' })).reply.Code).toBe(
        AdminCode.INPUT_ERROR,
      );
    }
  });

  it('a barrage reaches the members unsequenced, with a MessageId', async () => {
    const {
      s,
      clients: [ann],
    } = await room('r1', ['ann']);
    const data = await adminOk(s, 'SendBarrageMessage', {
      RoomId: 'r1',
      UserId: 'sys',
      MessageContent: 'wow',
    });
    expect(await ann!.waitFor((f) => f.t === 'barrage')).toMatchObject({
      room: 'r1',
      msg: { fromUser: { userID: 'sys', userName: 'sys' }, message: 'wow', messageID: data.MessageId },
    });
  });

  it('a custom command reaches the listed users only; without ToUserId, everyone but the sender; ≤ 10 targets', async () => {
    const {
      s,
      clients: [ann, bob, cat],
    } = await room('r1', ['ann', 'bob', 'cat']);
    await adminOk(s, 'SendCustomCommand', {
      RoomId: 'r1',
      FromUserId: 'ops',
      ToUserId: ['bob'],
      MessageContent: 'one',
    });
    expect(await bob!.waitFor((f) => f.t === 'ev' && f.k === 'cmd')).toMatchObject({
      from: { userID: 'ops' },
      msg: 'one',
      to: ['bob'],
    });
    await adminOk(s, 'SendCustomCommand', { RoomId: 'r1', FromUserId: 'cat', MessageContent: 'all' });
    for (const c of [ann!, bob!]) await c.waitFor((f) => f.t === 'ev' && f.k === 'cmd' && f.msg === 'all');
    await ann!.sync();
    await cat!.sync();
    expect(ann!.events('cmd').map((e) => (e.k === 'cmd' ? e.msg : ''))).toEqual(['all']);
    expect(cat!.events('cmd')).toEqual([]);
    const eleven = Array.from({ length: 11 }, (_, i) => `u${i}`);
    const tooMany = await admin(s, 'SendCustomCommand', {
      RoomId: 'r1',
      FromUserId: 'ops',
      ToUserId: eleven,
      MessageContent: 'x',
    });
    expect(tooMany.reply.Code).toBe(AdminCode.USER_LIST_TOO_LONG);
    const nowhere = await admin(s, 'SendCustomCommand', {
      RoomId: 'gone',
      FromUserId: 'ops',
      MessageContent: 'x',
    });
    expect(nowhere.reply.Code).toBe(AdminCode.ROOM_NOT_EXIST);
  });
});

describe('AddStream, DeleteStream, DescribeSimpleStreamList', () => {
  it('a stream added for UserId reaches the members as pub, is listed, and DeleteStream removes it', async () => {
    const {
      s,
      clients: [ann],
    } = await room('r1', ['ann']);
    await ann!.request({ t: 'pub', room: 'r1', stream: 'ann-cam', extra: 'hd' });
    expect(
      await adminOk(s, 'AddStream', {
        RoomId: 'r1',
        UserId: 'cdn',
        UserName: 'CDN',
        StreamId: 'live-1',
        ExtraInfo: 'x',
      }),
    ).toEqual({});
    expect(await ann!.waitFor((f) => f.t === 'ev' && f.k === 'pub')).toMatchObject({
      stream: { streamID: 'live-1', user: { userID: 'cdn', userName: 'CDN' }, extraInfo: 'x' },
    });
    expect(await adminOk(s, 'DescribeSimpleStreamList', { RoomId: 'r1' })).toEqual({
      StreamList: [
        { StreamId: 'ann-cam', UserId: 'ann', UserName: 'ann-name', ExtraInfo: 'hd' },
        { StreamId: 'live-1', UserId: 'cdn', UserName: 'CDN', ExtraInfo: 'x' },
      ],
    });
    // DeleteStream's UserId is the operator: a member's stream goes too.
    await adminOk(s, 'DeleteStream', { RoomId: 'r1', UserId: 'ops', StreamId: 'ann-cam' });
    await adminOk(s, 'DeleteStream', { RoomId: 'r1', UserId: 'ops', StreamId: 'live-1' });
    await ann!.waitFor((f) => f.t === 'ev' && f.k === 'unpub' && f.stream.streamID === 'live-1');
    expect(await adminOk(s, 'DescribeSimpleStreamList', { RoomId: 'r1' })).toEqual({ StreamList: [] });
    expect(await adminOk(s, 'DescribeSimpleStreamList', { RoomId: 'gone' })).toEqual({ StreamList: [] });
  });

  it('errors: unknown room → 50001; a stream of another user, a bad StreamId, an unknown stream → 2', async () => {
    const {
      s,
      clients: [ann],
    } = await room('r1', ['ann']);
    await ann!.request({ t: 'pub', room: 'r1', stream: 'mine' });
    const add = (over: Record<string, string>) =>
      admin(s, 'AddStream', { RoomId: 'r1', UserId: 'cdn', StreamId: 's1', ...over });
    expect((await add({ RoomId: 'gone' })).reply.Code).toBe(AdminCode.ROOM_NOT_EXIST);
    expect((await add({ StreamId: 'mine' })).reply.Code).toBe(AdminCode.INPUT_ERROR);
    expect((await add({ StreamId: 'no spaces' })).reply.Code).toBe(AdminCode.INPUT_ERROR);
    expect((await add({ ExtraInfo: 'x'.repeat(1025) })).reply.Code).toBe(AdminCode.INPUT_ERROR);
    const del = (over: Record<string, string>) =>
      admin(s, 'DeleteStream', { RoomId: 'r1', UserId: 'ops', StreamId: 's9', ...over });
    expect((await del({})).reply.Code).toBe(AdminCode.INPUT_ERROR);
    expect((await del({ RoomId: 'gone' })).reply.Code).toBe(AdminCode.ROOM_NOT_EXIST);
  });
});
