// Attack: a peer whose upgrade waits in line at the door sits idle once let in. A link let in
// from the line takes a place in admission's budget as it opens (so one answer lets one link
// in); were that place held until the login deadline (10 s by default), the line would stand
// still behind the idle link and a returning member behind it would stay unanswered at the door.
// The defence: a link let in from the line that sends no login or resume within 250 ms gives
// its place back (gateway.ts, waitFromLine).

import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  comeBack,
  departed,
  HeldJoins,
  metrics,
  opened,
  rawLink,
  until,
} from './attack-door-support.js';
import { startServer, TestClient } from './helpers.js';

const cleanup = new Cleanup();
const { servers, sockets } = cleanup;
afterEach(() => cleanup.close());

describe('attack: an idle link let in from the line holds a slot of the budget', () => {
  it('a returning member queued behind one idle attacker link is answered promptly once the storm is over', async () => {
    const backend = new HeldJoins();
    const s = await startServer({ backend, admissionMaxPendingLinks: 1 });
    servers.push(s);
    const probe = await departed(s, 'r1', 'probe');

    // The storm: a member's login waits on the backend, the budget (1) is full.
    backend.hold();
    const stormMember = await TestClient.connect(s.wsUrl);
    const stormLogin = stormMember.login('r1', 'storm');
    await until(s, (m) => m('atrium_admission_pending_links') === 1);

    // The attacker: one raw link at the door, held in line; then the probe's resume link.
    const attacker = rawLink(s);
    sockets.push(attacker);
    await until(s, (m) => m('atrium_admission_waiting_links') === 1);
    const back = comeBack(s, probe, 15_000);
    await until(s, (m) => m('atrium_admission_waiting_links') === 2);

    // The storm ends: the one answer out lets the attacker in; it says nothing at all.
    const released = performance.now();
    backend.release();
    expect((await stormLogin).code).toBe(0);
    await opened(attacker);
    const m = await metrics(s);
    // Idle, it is counted as waiting for an answer it never asked for.
    expect({
      pending: m('atrium_admission_pending_links'),
      waiting: m('atrium_admission_waiting_links'),
    }).toEqual({
      pending: 1,
      waiting: 1,
    });

    const result = await back.then(
      (r) => {
        sockets.push(r.ws);
        return { code: r.reply.code, error: undefined as string | undefined };
      },
      (e: Error) => ({ code: -1, error: e.message }),
    );
    const afterStormMs = Math.round(performance.now() - released);
    await stormMember.close();
    // The probe is answered within 2 s of the storm's end (it was second in line).
    expect(result.code, `probe resume: ${JSON.stringify(result)}`).toBe(0);
    expect(afterStormMs, "ms from the storm's end to the probe's resume answer").toBeLessThan(2000);
  });
});
