// The contract's state machine (docs/contract.md), the rows this slice covers: login, its token and
// network failures, the login rules of §7, duplicate-login kicks, logout, logout failure and
// switching — end to end, real server, real sockets.

import { createServer } from 'node:net';
import { RoomError } from '@atrium/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { expiredToken } from '../support/tokens.js';
import { joined, token, World } from '../support/world.js';

let world: World;
afterEach(async () => world.close());

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function loginFails(promise: Promise<boolean>): Promise<RoomError> {
  const err = await promise.then(
    () => {
      throw new Error('login unexpectedly succeeded');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RoomError);
  return err as RoomError;
}

describe('login', () => {
  it('emits LOGINING then LOGINED (and the legacy CONNECTING, CONNECTED) before the promise resolves', async () => {
    world = new World();
    const server = await world.server();
    const { engine, rec } = world.client(server);
    const p = engine.loginRoom('r1', token('ann'), { userID: 'ann' });
    expect(rec.states('r1')).toEqual(['LOGINING:0']);
    await expect(p).resolves.toBe(true);
    expect(rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0']);
    expect(rec.of('roomStateUpdate', 'r1').map((a) => a[1])).toEqual(['CONNECTING', 'CONNECTED']);
    expect(engine.getRoomState('r1')).toBe('LOGINED');
  });

  it.each([
    ['a token for another user', () => token('bob'), 1002033],
    ['a token for another room', () => token('ann', { roomID: 'other' }), 1002033],
    ['garbage', () => '04garbage', 1002033],
    ['an expired token', () => expiredToken('ann'), 1002078],
  ])('refuses %s: LOGIN_FAILED with the code, and the promise rejects with it', async (_, make, code) => {
    world = new World();
    const server = await world.server();
    const { engine, rec } = world.client(server);
    const err = await loginFails(engine.loginRoom('r1', make(), { userID: 'ann' }));
    expect(err.code).toBe(code);
    expect(rec.states('r1')).toEqual(['LOGINING:0', `LOGIN_FAILED:${code}`]);
    expect(rec.of('roomStateUpdate', 'r1').map((a) => a[1])).toEqual(['CONNECTING', 'DISCONNECTED']);
    expect(engine.getRoomState('r1')).toBe('LOGIN_FAILED');
  });

  it('keeps trying an unreachable server until loginTimeoutMs, then LOGIN_FAILED 1002053', async () => {
    world = new World();
    const port = await deadPort();
    // loginRefusedRounds: 0, or a port that refuses would fail the login before its window.
    const { engine, rec } = world.client(`ws://127.0.0.1:${port}/ws`, {
      loginTimeoutMs: 1200,
      loginRefusedRounds: 0,
    });
    const started = Date.now();
    const err = await loginFails(engine.loginRoom('r1', token('ann'), { userID: 'ann' }));
    expect(err.code).toBe(1002053);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
    expect(rec.states('r1')).toEqual(['LOGINING:0', 'LOGIN_FAILED:1002053']);
  });

  it('fails over to the next server URL when the first is down', async () => {
    world = new World();
    const server = await world.server();
    const port = await deadPort();
    const { engine } = world.client([`ws://127.0.0.1:${port}/ws`, server.wsUrl], { loginTimeoutMs: 10_000 });
    await expect(engine.loginRoom('r1', token('ann'), { userID: 'ann' })).resolves.toBe(true);
  });

  it('refuses an unknown appID with 1001004', async () => {
    world = new World();
    const server = await world.server({
      apps: [{ appID: 42, serverSecret: 'fa94dd0f974cf2e293728a526b028271' }],
    });
    const { engine } = world.client(server);
    const err = await loginFails(engine.loginRoom('r1', token('ann'), { userID: 'ann' }));
    expect(err.code).toBe(1001004);
  });
});

describe('the login rules of single and multi-room mode', () => {
  it('single-room: a second room is refused with 1002001, with no event, and the first room is untouched', async () => {
    world = new World();
    const server = await world.server();
    const { engine, rec } = world.client(server);
    await engine.loginRoom('r1', token('ann'), { userID: 'ann' });
    const err = await loginFails(engine.loginRoom('r2', token('ann'), { userID: 'ann' }));
    expect(err.code).toBe(1002001);
    expect(rec.states('r2')).toEqual([]);
    expect(rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0']);
    expect(engine.getRoomState('r1')).toBe('LOGINED');
  });

  it('the same room twice is refused with 1002056 and the room stays logged in', async () => {
    world = new World();
    const server = await world.server();
    const { engine } = world.client(server);
    await engine.loginRoom('r1', token('ann'), { userID: 'ann' });
    const err = await loginFails(engine.loginRoom('r1', token('ann'), { userID: 'ann' }));
    expect(err.code).toBe(1002056);
    expect(engine.getRoomState('r1')).toBe('LOGINED');
  });

  it('multi-room: several rooms over one engine; another userID is 1002018; past the limit is 1002037', async () => {
    world = new World();
    const server = await world.server({ maxRoomsPerUser: 2 });
    const { engine, rec } = world.client(server);
    expect(engine.enableMultiRoom(true)).toBe(true);
    await engine.loginRoom('r1', token('ann'), { userID: 'ann' });
    await engine.loginRoom('r2', token('ann'), { userID: 'ann' });
    expect((await loginFails(engine.loginRoom('r3', token('bob'), { userID: 'bob' }))).code).toBe(1002018);
    expect((await loginFails(engine.loginRoom('r3', token('ann'), { userID: 'ann' }))).code).toBe(1002037);
    expect(rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0']);
    expect(rec.states('r2')).toEqual(['LOGINING:0', 'LOGINED:0']);
    expect(engine.enableMultiRoom(false)).toBe(false); // only before the first login
  });

  it('a room is full at its creator’s maxMemberCount (1002034), and created afresh once empty', async () => {
    world = new World();
    const server = await world.server();
    const a = world.client(server);
    await a.engine.loginRoom('r1', token('ann'), { userID: 'ann' }, { maxMemberCount: 1 });
    const b = world.client(server);
    expect((await loginFails(b.engine.loginRoom('r1', token('bob'), { userID: 'bob' }))).code).toBe(1002034);
    await a.engine.logoutRoom('r1');
    await expect(b.engine.loginRoom('r1', token('bob'), { userID: 'bob' })).resolves.toBe(true);
  });
});

describe('duplicate logins', () => {
  it('kick-old: the newer login wins and the older session gets KICKOUT 1002050', async () => {
    world = new World();
    const server = await world.server();
    const old = await joined(world, server, 'r1', 'ann');
    const watcher = await joined(world, server, 'r1', 'bob');
    const mark = watcher.rec.mark();
    const fresh = world.client(server);
    await fresh.engine.loginRoom('r1', token('ann'), { userID: 'ann' });
    await old.rec.waitForState('r1', 'KICKOUT');
    expect(old.rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0', 'KICKOUT:1002050']);
    expect(old.engine.getRoomState('r1')).toBe('KICKOUT');
    expect(fresh.engine.getRoomState('r1')).toBe('LOGINED');
    // The user never left the room as far as others can tell only if the kick is a swap;
    // what must hold is that the room still lists ann exactly once.
    await expect(fresh.engine.sendBroadcastMessage('r1', 'still here')).resolves.toMatchObject({
      errorCode: 0,
    });
    await watcher.rec.waitFor('IMRecvBroadcastMessage', undefined, { from: mark });
  });

  it('single-room: logging in to any room of the app kicks the older session', async () => {
    world = new World();
    const server = await world.server();
    const old = await joined(world, server, 'r1', 'ann');
    const fresh = world.client(server);
    await fresh.engine.loginRoom('r2', token('ann'), { userID: 'ann' });
    await old.rec.waitForState('r1', 'KICKOUT');
    expect(old.rec.states('r1').at(-1)).toBe('KICKOUT:1002050');
  });

  it('reject-new: the newer login fails with 1002086 and the older session stays', async () => {
    world = new World();
    const server = await world.server({ duplicateLogin: 'reject-new' });
    const old = await joined(world, server, 'r1', 'ann');
    const fresh = world.client(server);
    expect((await loginFails(fresh.engine.loginRoom('r1', token('ann'), { userID: 'ann' }))).code).toBe(
      1002086,
    );
    expect(old.engine.getRoomState('r1')).toBe('LOGINED');
    expect(old.rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0']);
  });
});

describe('logout and switch', () => {
  it('logoutRoom emits LOGOUT 0 and DISCONNECTED, and the others see the user leave', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const bob = await joined(world, server, 'r1', 'bob');
    await ann.engine.logoutRoom('r1');
    expect(ann.rec.states('r1').at(-1)).toBe('LOGOUT:0');
    expect(ann.rec.of('roomStateUpdate', 'r1').at(-1)?.[1]).toBe('DISCONNECTED');
    expect(ann.engine.getRoomState('r1')).toBe('LOGOUT');
    await bob.rec.waitFor('roomUserUpdate', (a) => a[1] === 'DELETE');
    expect(bob.rec.of('roomUserUpdate', 'r1').at(-1)).toEqual([
      'r1',
      'DELETE',
      [{ userID: 'ann', userName: 'name-ann' }],
    ]);
  });

  it('logoutRoom() with no roomID leaves every room', async () => {
    world = new World();
    const server = await world.server();
    const { engine, rec } = world.client(server);
    engine.enableMultiRoom(true);
    await engine.loginRoom('r1', token('ann'), { userID: 'ann' });
    await engine.loginRoom('r2', token('ann'), { userID: 'ann' });
    await engine.logoutRoom();
    expect(rec.states('r1').at(-1)).toBe('LOGOUT:0');
    expect(rec.states('r2').at(-1)).toBe('LOGOUT:0');
  });

  it('multi-room: logging out of a room not logged in emits LOGOUT_FAILED 1002002', async () => {
    world = new World();
    const server = await world.server();
    const { engine, rec } = world.client(server);
    engine.enableMultiRoom(true);
    await engine.loginRoom('r1', token('ann'), { userID: 'ann' });
    await engine.logoutRoom('nowhere');
    expect(rec.states('nowhere')).toEqual(['LOGOUT_FAILED:1002002']);
    expect(rec.of('roomStateUpdate', 'nowhere')).toEqual([]);
    expect(engine.getRoomState('r1')).toBe('LOGINED');
  });

  it('switchRoom: LOGOUT for the old room, LOGINING then LOGINED for the new; both rooms see it', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const inOld = await joined(world, server, 'r1', 'bob');
    const inNew = await joined(world, server, 'r2', 'cat');
    await expect(
      ann.engine.switchRoom('r1', 'r2', { token: token('ann'), isUserStatusNotify: true }),
    ).resolves.toBe(true);
    expect(ann.rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0', 'LOGOUT:0']);
    expect(ann.rec.states('r2')).toEqual(['LOGINING:0', 'LOGINED:0']);
    const order = ann.rec.all
      .filter((r) => r.event === 'roomStateChanged')
      .map((r) => `${r.args[0]}:${r.args[1]}`);
    expect(order.slice(-3)).toEqual(['r1:LOGOUT', 'r2:LOGINING', 'r2:LOGINED']);
    await inOld.rec.waitFor('roomUserUpdate', (a) => a[1] === 'DELETE');
    await inNew.rec.waitFor(
      'roomUserUpdate',
      (a) => a[1] === 'ADD' && (a[2] as { userID: string }[])[0]?.userID === 'ann',
    );
    // ann sees cat, who was already in r2.
    await ann.rec.waitFor('roomUserUpdate', (a) => a[0] === 'r2' && a[1] === 'ADD');
  });
});
