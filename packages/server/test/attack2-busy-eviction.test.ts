// Attack: kill other users' logins and resumes that are in flight during a storm. Every upgrade
// asks the gateway for room (admitLink, via http-guard.ts admitUpgrade) before admission looks at
// it, and past maxLinksBeforeLogin the gateway closes an old link without a session. During a
// storm the oldest such links are the members whose login or resume is waiting on the slow
// backend; a peer opening idle `?intent=login` upgrades (let in at once, past the line) would
// push out one of them per upgrade. The defence: a link with a request under way is not idle
// and is never the one evicted (as the login deadline already spares it).

import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, freshLogin, HeldJoins, rawUpgrade, until } from './attack-door-support.js';
import { startServer } from './helpers.js';

/** maxLinks 16: maxLinksBeforeLogin defaults to max(8, 16 / 2) = 8. */
const MAX_LINKS = 16;
const BEFORE_LOGIN = 8;
const VICTIMS = BEFORE_LOGIN;
const OTHER = '127.0.0.2';

const cleanup = new Cleanup();
const { servers, backends, sockets } = cleanup;
afterEach(() => cleanup.close());

async function storm(attack: boolean): Promise<{ ok: number; lost: string[] }> {
  const backend = new HeldJoins();
  backends.push(backend);
  const s = await startServer({ backend, maxLinks: MAX_LINKS, admissionMaxPendingLinks: 1 });
  servers.push(s);
  // The storm: the backend is slow, every login waits on it.
  backend.hold();
  const logins = Array.from({ length: VICTIMS }, (_, i) =>
    freshLogin(s, 'r1', `victim${i}`, { localAddress: OTHER, timeoutMs: 15_000 }).then(
      (r) => `ok ${r.code}`,
      (e: Error) => e.message,
    ),
  );
  await until(s, (m) => m('atrium_admission_pending_links') === VICTIMS);
  if (attack) {
    // One peer, another address: idle upgrades that say `intent=login` (let in past the line).
    for (let i = 0; i < VICTIMS; i++) {
      const sock = rawUpgrade(s, '?intent=login');
      sockets.push(sock);
      await new Promise<void>((resolve) => {
        sock.once('data', () => resolve());
        sock.once('close', () => resolve());
      });
    }
    for (const sock of sockets.splice(0)) (sock as { destroy(): void }).destroy();
  }
  backend.release();
  const outcomes = await Promise.all(logins);
  return { ok: outcomes.filter((o) => o === 'ok 0').length, lost: outcomes.filter((o) => o !== 'ok 0') };
}

describe('attack: idle upgrades push out other users whose login is in flight', () => {
  it(`${VICTIMS} logins in flight from another address all succeed while one peer opens ${VICTIMS} idle upgrades`, async () => {
    const r = await storm(true);
    expect(r.ok, `logins answered: ${r.ok}/${VICTIMS}; lost: ${JSON.stringify(r.lost)}`).toBe(VICTIMS);
  });

  it('control (passes): without the peer every login succeeds', async () => {
    const r = await storm(false);
    expect(r.ok, JSON.stringify(r.lost)).toBe(VICTIMS);
  });
});
