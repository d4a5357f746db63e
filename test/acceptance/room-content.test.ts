// What a room holds and carries, end to end: users, the online count, streams, extra info,
// broadcast, barrage and custom commands (docs/contract.md), over a real server.

import { afterEach, describe, expect, it } from 'vitest';
import { joined, token, World } from '../support/world.js';

let world: World;
afterEach(async () => world.close());

const ids = (users: unknown) => (users as { userID: string }[]).map((u) => u.userID).sort();

describe('users', () => {
  it('the first ADD after LOGINED lists the others already there, never the user itself', async () => {
    world = new World();
    const server = await world.server();
    await joined(world, server, 'r1', 'ann');
    await joined(world, server, 'r1', 'bob');
    const cat = await joined(world, server, 'r1', 'cat');
    const states = cat.rec.all.map((r) => r.event);
    const logined = cat.rec.all.findIndex((r) => r.event === 'roomStateChanged' && r.args[1] === 'LOGINED');
    const firstAdd = states.indexOf('roomUserUpdate');
    expect(firstAdd).toBeGreaterThan(logined);
    expect(cat.rec.of('roomUserUpdate')[0]?.[1]).toBe('ADD');
    expect(ids(cat.rec.of('roomUserUpdate')[0]?.[2])).toEqual(['ann', 'bob']);
  });

  it('joins and leaves reach members with userUpdate only', async () => {
    world = new World();
    const server = await world.server();
    const watching = await joined(world, server, 'r1', 'ann');
    const quiet = world.client(server);
    await quiet.engine.loginRoom('r1', token('bob'), { userID: 'bob' }, { userUpdate: false });
    const cat = await joined(world, server, 'r1', 'cat');
    await watching.rec.waitFor('roomUserUpdate', (a) => a[1] === 'ADD' && ids(a[2]).includes('cat'));
    await cat.engine.logoutRoom('r1');
    await watching.rec.waitFor('roomUserUpdate', (a) => a[1] === 'DELETE' && ids(a[2]).includes('cat'));
    // A broadcast after the leave is a barrier: bob got everything sent before it.
    await watching.engine.sendBroadcastMessage('r1', 'barrier');
    await quiet.rec.waitFor('IMRecvBroadcastMessage');
    expect(quiet.rec.of('roomUserUpdate')).toEqual([]);
  });

  it('roomOnlineUserCountUpdate on login, then as the count changes', async () => {
    world = new World();
    const server = await world.server({ onlineCountIntervalMs: 200 } as never);
    const ann = await joined(world, server, 'r1', 'ann');
    expect(ann.rec.of('roomOnlineUserCountUpdate')[0]).toEqual(['r1', 1]);
    await joined(world, server, 'r1', 'bob');
    await ann.rec.waitFor('roomOnlineUserCountUpdate', (a) => a[1] === 2);
  });
});

describe('streams', () => {
  it('publish, extra info and stop reach the others; late joiners get the list after LOGINED', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const bob = await joined(world, server, 'r1', 'bob');
    expect(ann.engine.startPublishingStream('s-1', undefined, { extraInfo: 'cam' })).toBe(true);
    const [, type, list, ext] = await bob.rec.waitFor('roomStreamUpdate');
    expect(type).toBe('ADD');
    const urls = { urlsFLV: '', urlsRTMP: '', urlsHLS: '', urlsHttpsFLV: '', urlsHttpsHLS: '' };
    expect(list).toEqual([
      { streamID: 's-1', user: { userID: 'ann', userName: 'name-ann' }, extraInfo: 'cam', ...urls },
    ]);
    expect(ext).toBe('');
    await ann.rec.waitFor('publisherStateUpdate', (a) => (a[0] as { state: string }).state === 'PUBLISHING');
    const states = ann.rec.of('publisherStateUpdate').map((a) => (a[0] as { state: string }).state);
    expect(states).toEqual(['PUBLISH_REQUESTING', 'PUBLISHING']);
    await expect(ann.engine.setStreamExtraInfo('s-1', 'mic')).resolves.toMatchObject({ errorCode: 0 });
    const [, updated] = await bob.rec.waitFor('streamExtraInfoUpdate');
    expect((updated as { extraInfo: string }[])[0]?.extraInfo).toBe('mic');
    const cat = await joined(world, server, 'r1', 'cat');
    expect(cat.rec.of('roomStreamUpdate')[0]?.[1]).toBe('ADD');
    expect(
      (cat.rec.of('roomStreamUpdate')[0]?.[2] as { streamID: string }[] | undefined)?.[0]?.streamID,
    ).toBe('s-1');
    expect(ann.engine.stopPublishingStream('s-1')).toBe(true);
    const [, , , why] = await bob.rec.waitFor('roomStreamUpdate', (a) => a[1] === 'DELETE');
    expect(JSON.parse(why as string)).toEqual({
      stream_delete_reason: [
        { stream_id: 's-1', code: 1, description: 'user_stop_publishing_stream_normal' },
      ],
    });
    expect(ann.rec.of('roomStreamUpdate')).toEqual([]); // never told about its own stream
  });

  it('a member who leaves takes its streams with it', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const bob = await joined(world, server, 'r1', 'bob');
    ann.engine.startPublishingStream('s-1');
    await bob.rec.waitFor('roomStreamUpdate', (a) => a[1] === 'ADD');
    await ann.engine.logoutRoom();
    await bob.rec.waitFor('roomStreamUpdate', (a) => a[1] === 'DELETE');
  });

  it('the publish privilege of the token is enforced (1002082)', async () => {
    world = new World();
    const server = await world.server();
    const ann = world.client(server);
    await ann.engine.loginRoom('r1', token('ann', { roomID: 'r1', publish: true, streams: ['allowed'] }), {
      userID: 'ann',
    });
    const outcome = async (rec: typeof ann.rec, streamID: string) => {
      const [state] = await rec.waitFor('publisherStateUpdate', (a) => {
        const s = a[0] as { streamID: string; state: string };
        return s.streamID === streamID && s.state !== 'PUBLISH_REQUESTING';
      });
      return state as { state: string; errorCode: number };
    };
    expect(ann.engine.startPublishingStream('allowed')).toBe(true);
    expect(await outcome(ann.rec, 'allowed')).toMatchObject({ state: 'PUBLISHING', errorCode: 0 });
    expect(ann.engine.startPublishingStream('other')).toBe(true);
    expect(await outcome(ann.rec, 'other')).toMatchObject({ state: 'NO_PUBLISH', errorCode: 1002082 });
    const bob = world.client(server);
    await bob.engine.loginRoom('r1', token('bob', { roomID: 'r1', publish: false }), { userID: 'bob' });
    expect(bob.engine.startPublishingStream('bobs')).toBe(true);
    expect(await outcome(bob.rec, 'bobs')).toMatchObject({ state: 'NO_PUBLISH', errorCode: 1002082 });
  });
});

describe('room extra info', () => {
  it('is synced to the others, newest wins, and later joiners get it after login', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const bob = await joined(world, server, 'r1', 'bob');
    await expect(ann.engine.setRoomExtraInfo('r1', 'topic', 'one')).resolves.toMatchObject({ errorCode: 0 });
    await expect(bob.engine.setRoomExtraInfo('r1', 'topic', 'two')).resolves.toMatchObject({ errorCode: 0 });
    const [, list] = await ann.rec.waitFor(
      'roomExtraInfoUpdate',
      (a) => (a[1] as { value: string }[])[0]?.value === 'two',
    );
    expect((list as { updateUser: { userID: string } }[])[0]?.updateUser.userID).toBe('bob');
    const cat = await joined(world, server, 'r1', 'cat');
    expect(cat.rec.of('roomExtraInfoUpdate')).toHaveLength(1);
    expect(
      (cat.rec.of('roomExtraInfoUpdate')[0]?.[1] as { key: string; value: string }[] | undefined)?.[0],
    ).toMatchObject({
      key: 'topic',
      value: 'two',
    });
  });

  it('enforces the key and value limits and the key count', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const set = (key: string, value: string) =>
      ann.engine.setRoomExtraInfo('r1', key, value).then(
        (r) => r.errorCode,
        (err: { errorCode: number }) => err.errorCode,
      );
    expect(await set('', 'v')).toBe(1002014);
    expect(await set('k'.repeat(11), 'v')).toBe(1002015);
    expect(await set('k', 'v'.repeat(129))).toBe(1002016);
    expect(await set('k', 'v')).toBe(0);
    expect(await set('k2', 'v')).toBe(1002017);
  });

  it('dies with the room: an emptied room is created afresh without it', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    await ann.engine.setRoomExtraInfo('r1', 'topic', 'old');
    await ann.engine.logoutRoom('r1');
    const bob = await joined(world, server, 'r1', 'bob');
    expect(bob.rec.of('roomExtraInfoUpdate')).toEqual([]);
  });
});

describe('messages', () => {
  it('broadcasts arrive exactly once and in order at every other member, never echoed to the sender', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const bob = await joined(world, server, 'r1', 'bob');
    const cat = await joined(world, server, 'r1', 'cat');
    const sent = Array.from({ length: 50 }, (_, i) => `m${i}`);
    const replies = await Promise.all(sent.map((m) => ann.engine.sendBroadcastMessage('r1', m)));
    expect(replies.every((r) => r.errorCode === 0 && r.messageID !== undefined)).toBe(true);
    for (const c of [bob, cat]) {
      await c.rec.waitFor('IMRecvBroadcastMessage', (a) =>
        (a[1] as { message: string }[]).some((m) => m.message === 'm49'),
      );
      const got = c.rec
        .of('IMRecvBroadcastMessage')
        .flatMap((a) => (a[1] as { message: string }[]).map((m) => m.message));
      expect(got).toEqual(sent);
      const first = (
        c.rec.of('IMRecvBroadcastMessage')[0]?.[1] as { fromUser: { userID: string } }[] | undefined
      )?.[0];
      expect(first?.fromUser.userID).toBe('ann');
    }
    expect(ann.rec.of('IMRecvBroadcastMessage')).toEqual([]);
  });

  it('barrage messages reach the others', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const bob = await joined(world, server, 'r1', 'bob');
    expect((await ann.engine.sendBarrageMessage('r1', 'wow')).errorCode).toBe(0);
    const [, msgs] = await bob.rec.waitFor('IMRecvBarrageMessage');
    expect((msgs as { message: string }[])[0]?.message).toBe('wow');
  });

  it('a custom command reaches the listed users only', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const bob = await joined(world, server, 'r1', 'bob');
    const cat = await joined(world, server, 'r1', 'cat');
    expect((await ann.engine.sendCustomCommand('r1', 'mute', ['bob'])).errorCode).toBe(0);
    const [, from, command] = await bob.rec.waitFor('IMRecvCustomCommand');
    expect(from).toMatchObject({ userID: 'ann' });
    expect(command).toBe('mute');
    await ann.engine.sendBroadcastMessage('r1', 'barrier');
    await cat.rec.waitFor('IMRecvBroadcastMessage');
    expect(cat.rec.of('IMRecvCustomCommand')).toEqual([]);
  });

  it('sends reject with 1000002 when not logged in, as ZEGO’s do, and publishing throws it', async () => {
    world = new World();
    const server = await world.server();
    const { engine } = world.client(server);
    const rejected = { errorCode: 1000002 };
    await expect(engine.sendBroadcastMessage('r1', 'x')).rejects.toMatchObject(rejected);
    await expect(engine.sendBarrageMessage('r1', 'x')).rejects.toMatchObject(rejected);
    await expect(engine.sendCustomCommand('r1', 'x', ['bob'])).rejects.toMatchObject(rejected);
    await expect(engine.setRoomExtraInfo('r1', 'k', 'v')).rejects.toMatchObject(rejected);
    expect(() => engine.startPublishingStream('s')).toThrow(expect.objectContaining(rejected));
  });
});
