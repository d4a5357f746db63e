// Attack: inflate the retry delay every returning member is given. While the line's head has
// waited more than a second, a newcomer is turned away with `retryMs` = 0.1 s + a random share of
// a window sized to the wave. Were the wave measured by the links turned away, one peer opening
// junk upgrades (each turned away too) would make the server believe the wave is huge, and every
// returning member would be told to wait up to 10 s instead of a fraction of a second. The
// window counts the work ahead only: links waiting for their answer and links in line.

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RoomServer } from '../src/index.js';
import { Cleanup, HeldJoins, rawLink, until } from './attack-door-support.js';
import { startServer, TestClient } from './helpers.js';

const cleanup = new Cleanup();
const { servers, backends, sockets: links, clients } = cleanup;
afterEach(() => cleanup.close());

/** A link that is turned away: resolves with the retryMs it was given. */
function retryGiven(s: RoomServer): Promise<number> {
  const ws = rawLink(s, '?intent=resume');
  links.push(ws);
  return new Promise((resolve, reject) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { t: string; retryMs?: number };
      if (frame.t === 'bye' && frame.retryMs !== undefined) resolve(frame.retryMs);
      else if (frame.t === 'hello') reject(new Error('let in, not turned away'));
    });
    ws.once('close', () => reject(new Error('closed without a bye')));
  });
}

/** A junk upgrade: opens, gets its bye, and is dropped at once. */
function junk(s: RoomServer): Promise<void> {
  const ws = new WebSocket(`${s.wsUrl}?intent=resume`);
  ws.on('error', () => {});
  return new Promise((resolve) => {
    ws.once('message', () => {
      ws.terminate();
      resolve();
    });
    ws.once('close', () => resolve());
  });
}

/** A server in a stalled storm whose line's head has waited more than a second. */
async function stalledLine(): Promise<RoomServer> {
  const backend = new HeldJoins();
  backends.push(backend);
  const s = await startServer({ backend, admissionMaxPendingLinks: 1 });
  servers.push(s);
  backend.hold();
  const stormMember = await TestClient.connect(s.wsUrl);
  clients.push(stormMember);
  void stormMember.login('r1', 'storm');
  await until(s, (m) => m('atrium_admission_pending_links') === 1);
  links.push(rawLink(s)); // a returning member waiting in line
  await until(s, (m) => m('atrium_admission_waiting_links') === 1);
  // The head's wait is what turns newcomers away: only time makes it pass a second.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  return s;
}

async function probes(s: RoomServer): Promise<number[]> {
  const given: number[] = [];
  for (let i = 0; i < 5; i++) given.push(await retryGiven(s));
  return given;
}

describe('attack: junk upgrades inflate the retry delay of every returning member', () => {
  it('members turned away while one peer opens junk upgrades are told to come back within 1.5 s', async () => {
    const s = await stalledLine();
    // The peer: 40 junk upgrades every 100 ms for a second (each one is turned away too).
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 40 }, () => junk(s)));
    }
    const given = await probes(s);
    expect(Math.max(...given), `retryMs given to 5 returning members: ${given.join(', ')}`).toBeLessThan(
      1500,
    );
  });

  it('control (passes): without the peer, the members turned away are told to come back within 1.5 s', async () => {
    const s = await stalledLine();
    const given = await probes(s);
    expect(Math.max(...given), `retryMs given to 5 returning members: ${given.join(', ')}`).toBeLessThan(
      1500,
    );
  });
});
