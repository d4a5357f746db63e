// The contract's reconnection rows and its reconnection model (docs/contract.md), end to end: a
// real server, real engines, and a TCP proxy that resets, blackholes or refuses one client's links.
// Each row: what that client's room goes through, and what the other members see of it (nothing,
// while the session survives).

import { afterEach, describe, expect, it } from 'vitest';
import { token } from '../support/world.js';
import { enter, GRACE_MS, HB_MS, membershipSince, Net, quietFor, statesSince } from './net.js';

let net: Net;
afterEach(async () => net.close());

const ids = (list: unknown) =>
  (list as { userID?: string; streamID?: string }[]).map((x) => x.userID ?? x.streamID);

describe('the link breaks and the session is resumed', () => {
  it('reset: RECONNECTING 1002051, then RECONNECTED {"recovered":true}; the others saw no DELETE or ADD', async () => {
    net = new Net();
    const { ann, bob } = await net.annAndBob();
    await ann.rec.waitFor('roomUserUpdate', (a) => a[1] === 'ADD' && ids(a[2]).includes('bob'));
    await bob.engine.startPublishingStream('bob-cam');
    await ann.rec.waitFor('roomStreamUpdate');
    const [markAnn, markBob] = [ann.rec.mark(), bob.rec.mark()];

    ann.proxy.reset();
    const back = await ann.rec.waitForState('r1', 'RECONNECTED', { from: markAnn });
    expect(back.slice(2)).toEqual([0, '{"recovered":true}']);
    expect(statesSince(ann.rec, 'r1', markAnn)).toEqual(['RECONNECTING:1002051', 'RECONNECTED:0']);
    expect(
      ann.rec
        .of('roomStateUpdate', 'r1')
        .slice(-2)
        .map((a) => a[1]),
    ).toEqual(['CONNECTING', 'CONNECTED']);

    // Both ways work again; a message after the resume is also a barrier for what came before.
    await bob.engine.sendBroadcastMessage('r1', 'after');
    await ann.rec.waitFor('IMRecvBroadcastMessage', () => true, { from: markAnn });
    await ann.engine.sendBroadcastMessage('r1', 'back');
    await bob.rec.waitFor('IMRecvBroadcastMessage', () => true, { from: markBob });
    expect(membershipSince(bob.rec, markBob)).toEqual([]);
    expect(membershipSince(ann.rec, markAnn)).toEqual([]);
  });

  it('silent link (blackhole): RECONNECTING within two heartbeats, and RECONNECTED once it heals', async () => {
    net = new Net();
    const { ann, bob } = await net.annAndBob();
    const [markAnn, markBob] = [ann.rec.mark(), bob.rec.mark()];

    const silentAt = Date.now();
    ann.proxy.blackhole();
    await ann.rec.waitForState('r1', 'RECONNECTING', { from: markAnn });
    const detectedMs = Date.now() - silentAt;
    // The last frame came at most one heartbeat before the silence began; the margin is for a
    // loaded 2-core machine's timers.
    expect(detectedMs).toBeGreaterThanOrEqual(HB_MS - 50);
    expect(detectedMs).toBeLessThanOrEqual(2 * HB_MS + 700);

    ann.proxy.heal();
    const back = await ann.rec.waitForState('r1', 'RECONNECTED', { from: markAnn });
    expect(back[3]).toBe('{"recovered":true}');
    expect(statesSince(ann.rec, 'r1', markAnn)).toEqual(['RECONNECTING:1002051', 'RECONNECTED:0']);
    await ann.engine.sendBroadcastMessage('r1', 'back');
    await bob.rec.waitFor('IMRecvBroadcastMessage', () => true, { from: markBob });
    expect(membershipSince(bob.rec, markBob)).toEqual([]);
  });

  it('multi-room: every room goes through RECONNECTING and RECONNECTED, each with its own callbacks', async () => {
    net = new Net();
    const server = await net.server();
    const rooms = ['r1', 'r2', 'r3'];
    const ann = await net.proxied(server);
    await enter(ann, 'ann', rooms);
    const bob = net.direct(server);
    await enter(bob, 'bob', rooms);
    const [markAnn, markBob] = [ann.rec.mark(), bob.rec.mark()];
    ann.proxy.reset();
    for (const room of rooms) {
      const back = await ann.rec.waitForState(room, 'RECONNECTED', { from: markAnn });
      expect(back[3]).toBe('{"recovered":true}');
      expect(statesSince(ann.rec, room, markAnn)).toEqual(['RECONNECTING:1002051', 'RECONNECTED:0']);
    }
    for (const room of rooms) await ann.engine.sendBroadcastMessage(room, `back in ${room}`);
    for (const room of rooms) await bob.rec.waitFor('IMRecvBroadcastMessage', (a) => a[0] === room);
    expect(membershipSince(bob.rec, markBob)).toEqual([]);
  });
  it('multi-room, kicked from one room while away: that room KICKOUT 1002050, the others RECONNECTED', async () => {
    net = new Net();
    const server = await net.server();
    const ann = await net.proxied(server, { reconnectWindowMs: 30_000 });
    await enter(ann, 'ann', ['r1', 'r2']);
    const mark = ann.rec.mark();
    ann.proxy.down();
    await ann.rec.waitForState('r1', 'RECONNECTING', { from: mark });
    const winner = net.direct(server);
    winner.engine.enableMultiRoom(true);
    await winner.engine.loginRoom('r2', token('ann'), { userID: 'ann' }, { userUpdate: true });
    ann.proxy.heal();
    const back = await ann.rec.waitForState('r1', 'RECONNECTED', { from: mark });
    expect(back[3]).toBe('{"recovered":true}');
    await ann.rec.waitForState('r2', 'KICKOUT', { from: mark });
    expect(statesSince(ann.rec, 'r2', mark)).toEqual(['RECONNECTING:1002051', 'KICKOUT:1002050']);
    expect(winner.rec.states('r2')).toEqual(['LOGINING:0', 'LOGINED:0']);
    expect((await ann.engine.sendBroadcastMessage('r1', 'still in r1')).errorCode).toBe(0);
  });
});

describe('when the session cannot be resumed', () => {
  it('down past the reconnect window: RECONNECT_FAILED 1002053, then silence', async () => {
    net = new Net();
    const windowMs = 1200;
    const { ann, bob } = await net.annAndBob({ reconnectWindowMs: windowMs });
    const mark = ann.rec.mark();
    const downAt = Date.now();
    ann.proxy.down();
    const failed = await ann.rec.waitForState('r1', 'RECONNECT_FAILED', { from: mark });
    expect(failed[2]).toBe(1002053);
    expect(Date.now() - downAt).toBeGreaterThanOrEqual(windowMs - 50);
    expect(statesSince(ann.rec, 'r1', mark)).toEqual(['RECONNECTING:1002051', 'RECONNECT_FAILED:1002053']);

    // The network is back, the room keeps changing: the SDK stays out, tries nothing.
    ann.proxy.heal();
    const [accepted, seen] = [ann.proxy.accepted, ann.rec.mark()];
    await bob.engine.sendBroadcastMessage('r1', 'nobody listening');
    // The server ends ann's session once its grace runs out: bob sees ann leave.
    await bob.rec.waitFor('roomUserUpdate', (a) => a[1] === 'DELETE' && ids(a[2]).includes('ann'), {
      timeoutMs: GRACE_MS + 5000,
    });
    await quietFor(1000);
    expect(ann.proxy.accepted).toBe(accepted);
    expect(ann.rec.all.length).toBe(seen);
    expect(ann.engine.getRoomState('r1')).toBe('RECONNECT_FAILED');
  });

  it('back after the grace period: rebuilt with only the differences, RECONNECTED {"recovered":false}', async () => {
    net = new Net();
    const server = await net.server();
    const ann = await net.proxied(server, { reconnectWindowMs: 30_000 });
    await enter(ann, 'ann');
    const [bob, cat] = [net.direct(server), net.direct(server)];
    await enter(bob, 'bob');
    await enter(cat, 'cat');
    await bob.engine.startPublishingStream('bob-cam');
    await ann.rec.waitFor('roomStreamUpdate', (a) => ids(a[2]).includes('bob-cam'));
    await ann.rec.waitFor('roomUserUpdate', (a) => a[1] === 'ADD' && ids(a[2]).includes('cat'));
    const [markAnn, markBob] = [ann.rec.mark(), bob.rec.mark()];

    ann.proxy.down();
    await ann.rec.waitForState('r1', 'RECONNECTING', { from: markAnn });
    await cat.engine.logoutRoom('r1');
    await bob.engine.startPublishingStream('bob-screen');
    await bob.rec.waitFor('roomUserUpdate', (a) => a[1] === 'DELETE' && ids(a[2]).includes('ann'), {
      timeoutMs: GRACE_MS + 5000,
    });
    ann.proxy.heal();

    const back = await ann.rec.waitForState('r1', 'RECONNECTED', { from: markAnn, timeoutMs: 15_000 });
    expect(back[3]).toBe('{"recovered":false}');
    expect(statesSince(ann.rec, 'r1', markAnn)).toEqual(['RECONNECTING:1002051', 'RECONNECTED:0']);
    expect(membershipSince(ann.rec, markAnn)).toEqual([
      ['r1', 'DELETE', [{ userID: 'cat', userName: 'cat' }]],
      ['r1', 'ADD', [expect.objectContaining({ streamID: 'bob-screen' })], ''],
    ]);
    // The others saw ann's session end, then the new one.
    await bob.rec.waitFor('roomUserUpdate', (a) => a[1] === 'ADD' && ids(a[2]).includes('ann'), {
      from: markBob,
    });
  });

  it.each([
    ['down (the server knows)', 'down'],
    ['silent (the server does not know yet)', 'blackhole'],
  ] as const)(
    'kicked by a duplicate login while %s: KICKOUT 1002050, never RECONNECTED',
    async (_, fault) => {
      net = new Net();
      const server = await net.server();
      const ann = await net.proxied(server, { reconnectWindowMs: 30_000 });
      await enter(ann, 'ann');
      const mark = ann.rec.mark();
      ann.proxy[fault]();
      const winner = net.direct(server);
      await winner.engine.loginRoom('r1', token('ann'), { userID: 'ann' }, { userUpdate: true });
      await ann.rec.waitForState('r1', 'RECONNECTING', { from: mark });
      ann.proxy.heal();
      const kicked = await ann.rec.waitForState('r1', 'KICKOUT', { from: mark });
      expect(kicked[2]).toBe(1002050);
      expect(statesSince(ann.rec, 'r1', mark)).toEqual(['RECONNECTING:1002051', 'KICKOUT:1002050']);
      // It never logs in afresh (which would kick the winner), nor tries the server again.
      const accepted = ann.proxy.accepted;
      await quietFor(1000);
      expect(ann.proxy.accepted).toBe(accepted);
      expect(winner.rec.states('r1')).toEqual(['LOGINING:0', 'LOGINED:0']);
      expect(statesSince(ann.rec, 'r1', mark)).toEqual(['RECONNECTING:1002051', 'KICKOUT:1002050']);
    },
  );
});
