// Backlogs of many links together: each link that never reads may keep up to
// linkMaxBufferedBytes unsent, so links × that is what the server could hold (40 links asking
// for large room snapshots with `switch`: +280 MB, none cut). Past serverMaxBufferedBytes in
// all, the links with the biggest backlogs are cut until the total is under it; a non-reading
// link with a small backlog, and the members that read, are left alone.

import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { token } from '../support/world.js';
import { rawLink, rawLogin, STALL_BOUND_MS, useRig } from './support/rig.js';

const MiB = 1024 * 1024;
const STREAMS = 600;
const HOGS = 8;
const SWITCHES = 16;

// The per-link limit out of the way: only the total may cut here.
// The stream quotas raised: a room with many streams is what makes snapshots big here.
const rig = useRig({
  linkMaxBufferedBytes: 256 * MiB,
  serverMaxBufferedBytes: 24 * MiB,
  maxStreamsPerMember: 1000,
  maxStreamsPerRoom: 1000,
  // Its links ask for snapshot after snapshot with `switch`, and its owner publishes 600 streams
  // in a row: beyond the default login and stream-change rates, which are not what it is about.
  rateLoginsPerSec: 10_000,
  rateLoginsBurst: 10_000,
  rateStreamsPerSec: 10_000,
  rateStreamsBurst: 10_000,
});

type Link = Awaited<ReturnType<typeof rawLink>>;

/** Asks for the big room's snapshot `times` times (switching there and back), reading nothing. */
async function hog(i: number, times: number): Promise<Link> {
  const link = await rawLink(rig.server.wsUrl, `127.0.8.${1 + (i % 4)}`);
  const user = `hog${i}`;
  await rawLogin(link, `home${i}`, user);
  (link.ws as unknown as { _socket: Socket })._socket.pause();
  let id = 2;
  for (let k = 0; k < times; k++) {
    link.ws.send(
      JSON.stringify({ t: 'switch', id: id++, from: `home${i}`, room: 'big', token: token(user) }),
    );
    link.ws.send(
      JSON.stringify({ t: 'switch', id: id++, from: 'big', room: `home${i}`, token: token(user) }),
    );
  }
  return link;
}

describe('unsent bytes of all links together', () => {
  it('past serverMaxBufferedBytes the biggest backlogs are cut, a small one is not', async () => {
    const owner = await rawLink(rig.server.wsUrl, '127.0.8.9');
    await rawLogin(owner, 'big', 'owner');
    const extra = 'x'.repeat(1024);
    for (let i = 0; i < STREAMS; i++) {
      owner.ws.send(
        JSON.stringify({ t: 'pub', id: 10 + i, room: 'big', stream: `s${i}`.padEnd(200, 'z'), extra }),
      );
    }
    await until(() => owner.frames.filter((f) => f.includes('"t":"reply"')).length > STREAMS, {
      timeoutMs: 20_000,
    });
    await rig.probe.reset();
    const linksBefore = await rig.server.links();
    const small = await hog(100, 1);
    const hogs = await Promise.all(Array.from({ length: HOGS }, (_, i) => hog(i, SWITCHES)));
    await until(async () => (await rig.server.limited('backlog_total')) >= 1, {
      timeoutMs: 15_000,
      failure: () => 'no link was cut for the total of backlogs',
    });
    const cut = await rig.server.limited('backlog_total');
    console.log(`backlog total: ${cut} of ${HOGS} hogs cut`);
    // The biggest went first, only until the total was under the limit again.
    expect(cut).toBeLessThan(HOGS);
    // The links' count tells: a cut link's peer learns of it only once it reads.
    await until(async () => (await rig.server.links()) <= linksBefore + HOGS + 1 - cut);
    // The small non-reader was not cut: once it reads, its replies are all there and it answers.
    (small.ws as unknown as { _socket: Socket })._socket.resume();
    await until(() => small.frames.some((f) => f.includes('"id":3')));
    small.ws.send('{"t":"ping"}');
    await until(() => small.frames.some((f) => f.includes('"t":"pong"')));
    expect(owner.ws.readyState).toBe(owner.ws.OPEN);
    expect((await rig.probe.stats()).maxStallMs).toBeLessThan(STALL_BOUND_MS);
    for (const link of [small, owner, ...hogs]) link.ws.terminate();
  });
});
