// Attack: park a few upgrades at the head of the line during a storm and keep every returning
// member out long after the storm is over: each parked socket, once let in, would hold a place
// in the budget without asking anything, and the next parked socket after it, while a member
// that knocks once the head has waited a second is turned away, comes back, and is turned away
// again, until the grace stretch (one grace period at most) runs out and its session is lost.
// The defences: a link let in from the line that does not ask within 250 ms gives its place
// back, and no upgrade is held more than 5 s (entry-queue.ts, MAX_HOLD_MS).

import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, departed, HeldJoins, keepComingBack, rawUpgrade, until } from './attack-door-support.js';
import { startServer, TestClient } from './helpers.js';

const LOGIN_DEADLINE_MS = 2000;
const GRACE_MS = 3000;
const PARKED = 6;

const cleanup = new Cleanup();
const { servers, backends, sockets, clients } = cleanup;
afterEach(() => cleanup.close());

describe('attack: a few parked upgrades keep the returning members out after the storm', () => {
  it('a member who comes back as the storm ends resumes its session within 3 s', async () => {
    const backend = new HeldJoins();
    backends.push(backend);
    const s = await startServer({
      backend,
      admissionMaxPendingLinks: 1,
      loginDeadlineMs: LOGIN_DEADLINE_MS,
      sessionGraceMs: GRACE_MS,
    });
    servers.push(s);
    const watcher = await TestClient.connect(s.wsUrl);
    clients.push(watcher);
    await watcher.joined('r1', 'watcher', { userUpdate: true });
    const probe = await departed(s, 'r1', 'probe');

    // A moment of storm: one member's login waits on the backend, the budget (1) is full.
    backend.hold();
    const stormMember = await TestClient.connect(s.wsUrl);
    clients.push(stormMember);
    const stormLogin = stormMember.login('r1', 'storm');
    await until(s, (m) => m('atrium_admission_pending_links') === 1);

    // The peer parks a few upgrades in line (raw sockets: an upgrade and nothing more).
    for (let i = 0; i < PARKED; i++) sockets.push(rawUpgrade(s));
    await until(s, (m) => m('atrium_admission_waiting_links') === PARKED);

    // The storm is over: the backend answers again.
    backend.release();
    expect((await stormLogin).code).toBe(0);
    const mark = watcher.mark();

    const result = await keepComingBack(s, probe, 20_000);
    const summary = {
      ms: result.ms,
      code: result.code,
      ext: result.ext,
      attempts: result.attempts,
      turnedAway: result.retries.length,
      probeLeftRoom: watcher.events('leave', mark).some((e) => JSON.stringify(e).includes('"probe"')),
    };
    expect(summary, JSON.stringify(summary)).toMatchObject({ code: 0, probeLeftRoom: false });
    expect(summary.ms, JSON.stringify(summary)).toBeLessThan(3000);
  });
});
