// Idle and unauthenticated links: links that say nothing but pings, forever, never logging in.
// Each is closed (1008) once the login deadline has passed since `hello`, however faithfully it
// pings; a member that logged in is not, and the probe in another room never stalls.

import { describe, expect, it } from 'vitest';
import { joined, World } from '../support/world.js';
import { RSS_GROWTH_BOUND_MB, rawLink, rawLogin, STALL_BOUND_MS, useRig } from './support/rig.js';

const IDLE = 200;
const DEADLINE_MS = 1500;

const world = new World();

const rig = useRig({ loginDeadlineMs: DEADLINE_MS }, { cleanUp: () => world.close() });

describe('links that never log in', () => {
  it('are closed at the login deadline, pings notwithstanding', async () => {
    const rssBefore = rig.server.rssMb();
    await rig.probe.reset();
    const member = await rawLink(rig.server.wsUrl);
    await rawLogin(member, 'r', 'member');
    const startedAt = Date.now();
    const idle = await Promise.all(Array.from({ length: IDLE }, () => rawLink(rig.server.wsUrl)));
    const pingers = [member, ...idle].map((link) => setInterval(() => link.ws.send('{"t":"ping"}'), 500));
    try {
      const codes = await Promise.all(idle.map((link) => link.closed));
      const tookMs = Date.now() - startedAt;
      console.log(`idle links: all ${IDLE} closed after ${tookMs} ms (deadline ${DEADLINE_MS} ms)`);
      expect(codes.every((code) => code === 1008)).toBe(true);
      expect(tookMs).toBeGreaterThanOrEqual(DEADLINE_MS);
      // The deadline is checked by the once-a-second sweep.
      expect(tookMs).toBeLessThan(DEADLINE_MS + 3000);
      expect(await rig.server.limited('login_deadline')).toBeGreaterThanOrEqual(IDLE);
      // One log line stands for them all: the log of refusals is limited too.
      const lines = rig.server.logs.filter((l) => l.msg === 'limit reached' && l.limit === 'login_deadline');
      expect(lines.length).toBe(1);
      // The member that logged in is still there.
      expect(member.ws.readyState).toBe(member.ws.OPEN);
      const { maxStallMs } = await rig.probe.stats();
      expect(maxStallMs).toBeLessThan(STALL_BOUND_MS);
      expect(rig.server.rssMb() - rssBefore).toBeLessThan(RSS_GROWTH_BOUND_MB);
      await joined(world, rig.server, 'after', 'newcomer');
    } finally {
      for (const pinger of pingers) clearInterval(pinger);
    }
  }, 30_000);
});
