// Floods: links that send as fast as they can. Before login, ten links ping without reading what
// comes back; after login, a member sends faster than its budget. Input is charged per link
// before it is parsed: a link over its budget stops being read, one that keeps at it is closed
// (1008), far sooner before login. Meanwhile the probe in another room never stalls, memory stays
// bounded and a newcomer logs in.

import { describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { joined, World } from '../support/world.js';
import { RSS_GROWTH_BOUND_MB, rawLink, rawLogin, STALL_BOUND_MS, useRig } from './support/rig.js';

const ATTACKERS = 10;
const PING = '{"t":"ping"}';

const world = new World();

// A message before login may be as large as after it here: the trickle below is for the input
// budget to stop (partial-messages.test.ts covers the smaller cap before login).
const rig = useRig(
  { inputFramesPerSec: 100, loginMaxMessageBytes: 1024 * 1024 },
  { cleanUp: () => world.close() },
);

/** Writes pings as fast as the socket takes them until the link closes; resolves with its code. */
async function flood(ws: WebSocket, closed: Promise<number>): Promise<number> {
  let open = true;
  void closed.then(() => {
    open = false;
  });
  while (open) {
    if (ws.bufferedAmount < 1024 * 1024) for (let i = 0; i < 500; i++) ws.send(PING);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return closed;
}

describe('floods', () => {
  it('links that never log in and flood pings without reading are closed at once', async () => {
    const links = await Promise.all(Array.from({ length: ATTACKERS }, () => rawLink(rig.server.wsUrl)));
    for (const link of links) link.ws.pause();
    const rssBefore = rig.server.rssMb();
    await rig.probe.reset();
    const startedAt = Date.now();
    const codes = await Promise.all(links.map((link) => flood(link.ws, link.closed)));
    const tookMs = Date.now() - startedAt;
    const { maxStallMs } = await rig.probe.stats();
    console.log(`floods before login: all closed in ${tookMs} ms, probe's longest stall ${maxStallMs} ms`);
    // Cut a second after the close frame it does not read: it sees the link reset.
    expect(codes.every((code) => code === 1006 || code === 1008)).toBe(true);
    expect(tookMs).toBeLessThan(5000);
    expect(maxStallMs).toBeLessThan(STALL_BOUND_MS);
    expect(rig.server.rssMb() - rssBefore).toBeLessThan(RSS_GROWTH_BOUND_MB);
    expect(await rig.server.limited('input_closed')).toBeGreaterThanOrEqual(ATTACKERS);
    await joined(world, rig.server, 'after-flood', 'newcomer1');
  }, 30_000);

  it('a member over its budget is paused, still answered, and closed when it keeps at it', async () => {
    const link = await rawLink(rig.server.wsUrl);
    await rawLogin(link, 'floody', 'floody');
    await rig.probe.reset();
    const pausedBefore = await rig.server.limited('input_paused');
    let pongs = 0;
    link.ws.on('message', (data) => {
      if (data.toString() === '{"t":"pong"}') pongs++;
    });
    // Three times its budget (100 frames/s), in bursts of 30 every 100 ms, until closed.
    const timer = setInterval(() => {
      for (let i = 0; i < 30; i++) link.ws.send(PING);
    }, 100);
    const code = await link.closed;
    clearInterval(timer);
    const { maxStallMs } = await rig.probe.stats();
    expect(code).toBe(1008);
    expect(await rig.server.limited('input_paused')).toBeGreaterThan(pausedBefore);
    // Paused, not ignored: what it sent was answered up to the end.
    expect(pongs).toBeGreaterThan(200);
    expect(maxStallMs).toBeLessThan(STALL_BOUND_MS);
    await joined(world, rig.server, 'after-flood', 'newcomer2');
  }, 30_000);

  it('WebSocket pings and a message trickling in are charged as they are read', async () => {
    await rig.probe.reset();
    const closedBefore = await rig.server.limited('input_closed');
    // Pings at the WebSocket level, unread pongs: the transport answers them itself.
    const pinger = await rawLink(rig.server.wsUrl);
    pinger.ws.pause();
    const pinging = setInterval(() => {
      for (let i = 0; i < 200; i++) pinger.ws.ping();
    }, 5);
    // One message toward the 1 MiB payload cap, 16 KiB at a time, never finished.
    const trickler = await rawLink(rig.server.wsUrl);
    const piece = Buffer.alloc(16 * 1024, 'a');
    const trickling = setInterval(() => trickler.ws.send(piece, { fin: false }), 10);
    try {
      const codes = await Promise.all([pinger.closed, trickler.closed]);
      expect(codes.every((code) => code === 1006 || code === 1008)).toBe(true);
      expect(codes).toContain(1008);
    } finally {
      clearInterval(pinging);
      clearInterval(trickling);
    }
    expect(await rig.server.limited('input_closed')).toBe(closedBefore + 2);
    expect((await rig.probe.stats()).maxStallMs).toBeLessThan(STALL_BOUND_MS);
  }, 30_000);
});
