// Reliable messages across cuts (docs/contract.md, "Reconnection"): sent while RECONNECTING they
// wait and go once the room is back; a send whose acknowledgement was lost is sent again and
// applied once; what others broadcast meanwhile is replayed exactly once, in order, before
// RECONNECTED.

import { afterEach, describe, expect, it } from 'vitest';
import { Net, received, statesSince } from './net.js';

let net: Net;
afterEach(async () => net.close());

const texts = (args: unknown[]) => (args[1] as { message: string }[]).map((m) => m.message);

describe('reliable messages across a cut', () => {
  it('sent while RECONNECTING: delivered once after the resume, and their promises resolve', async () => {
    net = new Net();
    const { ann, bob } = await net.annAndBob({ reconnectWindowMs: 30_000 });
    const mark = ann.rec.mark();
    ann.proxy.down();
    await ann.rec.waitForState('r1', 'RECONNECTING', { from: mark });
    const sends = ['q1', 'q2', 'q3'].map((m) => ann.engine.sendBroadcastMessage('r1', m));
    const command = ann.engine.sendCustomCommand('r1', 'poke', ['bob']);
    ann.proxy.heal();
    const results = await Promise.all(sends);
    expect(results.map((r) => r.errorCode)).toEqual([0, 0, 0]);
    expect((await command).errorCode).toBe(0);
    await bob.rec.waitFor('IMRecvCustomCommand');
    await bob.rec.waitFor('IMRecvBroadcastMessage', (a) => texts(a).includes('q3'));
    // A message after them is a barrier: anything repeated would have come before it.
    await ann.engine.sendBroadcastMessage('r1', 'barrier');
    await bob.rec.waitFor('IMRecvBroadcastMessage', (a) => texts(a).includes('barrier'));
    expect(received(bob.rec)).toEqual(['q1', 'q2', 'q3', 'barrier']);
    expect(bob.rec.of('IMRecvCustomCommand')).toEqual([['r1', { userID: 'ann', userName: 'ann' }, 'poke']]);
    const ids = results.map((r) => Number(r.messageID));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(statesSince(ann.rec, 'r1', mark)).toEqual(['RECONNECTING:1002051', 'RECONNECTED:0']);
  });

  it('a send whose acknowledgement was lost in the cut is sent again and applied once', async () => {
    net = new Net();
    const { ann, bob } = await net.annAndBob();
    // Slow enough that the reply is still on its way when the message has reached bob.
    ann.proxy.delay(400);
    const sent = ann.engine.sendBroadcastMessage('r1', 'ack lost');
    const [, delivered] = await bob.rec.waitFor('IMRecvBroadcastMessage', (a) =>
      texts(a).includes('ack lost'),
    );
    ann.proxy.reset();
    ann.proxy.heal();
    const result = await sent;
    expect(result.errorCode).toBe(0);
    expect(result.messageID).toBe((delivered as { messageID: number }[])[0]?.messageID);
    await ann.rec.waitForState('r1', 'RECONNECTED');
    await ann.engine.sendBroadcastMessage('r1', 'barrier');
    await bob.rec.waitFor('IMRecvBroadcastMessage', (a) => texts(a).includes('barrier'));
    expect(received(bob.rec)).toEqual(['ack lost', 'barrier']);
  });

  it('what others broadcast while away is replayed exactly once, in order, before RECONNECTED', async () => {
    net = new Net();
    const { ann, bob } = await net.annAndBob({ reconnectWindowMs: 30_000 });
    await bob.engine.sendBroadcastMessage('r1', 'before');
    await ann.rec.waitFor('IMRecvBroadcastMessage');
    const mark = ann.rec.mark();
    ann.proxy.down();
    await ann.rec.waitForState('r1', 'RECONNECTING', { from: mark });
    const away = Array.from({ length: 10 }, (_, i) => `away-${i}`);
    for (const m of away) await bob.engine.sendBroadcastMessage('r1', m);
    await bob.engine.startPublishingStream('bob-cam');
    await bob.engine.setRoomExtraInfo('r1', 'topic', 'chaos');
    ann.proxy.heal();
    const back = await ann.rec.waitForState('r1', 'RECONNECTED', { from: mark });
    expect(back[3]).toBe('{"recovered":true}');
    const since = ann.rec.all.slice(mark).map((r) => r.event);
    const reconnectedAt = ann.rec.all.findIndex((r, i) => i >= mark && r.args[1] === 'RECONNECTED');
    const lastReplayed = ann.rec.all.map((r) => r.event).lastIndexOf('roomExtraInfoUpdate');
    expect(lastReplayed).toBeLessThan(reconnectedAt);
    await bob.engine.sendBroadcastMessage('r1', 'live');
    await ann.rec.waitFor('IMRecvBroadcastMessage', (a) => texts(a).includes('live'));
    expect(received(ann.rec)).toEqual(['before', ...away, 'live']);
    expect(since.filter((e) => e === 'roomStreamUpdate')).toHaveLength(1);
    expect(since.filter((e) => e === 'roomExtraInfoUpdate')).toHaveLength(1);
  });
});
