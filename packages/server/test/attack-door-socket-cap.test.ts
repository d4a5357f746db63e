// Attack: while a storm keeps the line at the door from moving, one peer parks upgrades until the
// listener's whole socket cap (maxLinks plus its small reserve) is taken, so that every newcomer
// — a fresh login that goes in at once past the line, a load balancer's /healthz — would be
// refused at accept. Held upgrades are therefore evictable like idle connections (from an
// address holding more than the newcomer's), and one let in from the line must find room
// among the links again.
//
// The peer needs the per-address cap to reach the socket cap: behind a reverse proxy the docs
// tell operators to set maxLinksPerIp to maxLinks, and every client then shares one address.

import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, freshLogin, get, HeldJoins, metrics, rawUpgrade, until } from './attack-door-support.js';
import { startServer, TestClient } from './helpers.js';

const MAX_LINKS = 20;
/** socketCapOf(20): maxLinks + 32. */
const SOCKET_CAP = MAX_LINKS + 32;
const LOGIN_DEADLINE_MS = 500;
/** One peer may hold as many sockets as it likes (as behind a reverse proxy, where all share one address). */
const OPTIONS = {
  admissionMaxPendingLinks: 1,
  maxLinks: MAX_LINKS,
  maxLinksPerIp: 10_000,
  loginDeadlineMs: LOGIN_DEADLINE_MS,
  metricsPort: 0,
};

const cleanup = new Cleanup();
const { servers, backends, sockets } = cleanup;
afterEach(() => cleanup.close());

async function outcomeOf<T>(p: Promise<T>): Promise<string> {
  return p.then(
    (v) => `ok ${JSON.stringify(v)}`,
    (e: Error) => `failed: ${e.message}`,
  );
}

/** Another user: a different address from the peer's (127.0.0.1). */
const OTHER = '127.0.0.2';

describe('attack: parked upgrades take the socket cap while the line stands still', () => {
  it('a fresh login and /healthz from another address still get through while one peer parks upgrades at the door', async () => {
    const backend = new HeldJoins();
    backends.push(backend);
    const s = await startServer({ backend, ...OPTIONS });
    servers.push(s);
    // The storm: one member's login waits on the backend (a storm's slow backend).
    backend.hold();
    const stormMember = await TestClient.connect(s.wsUrl);
    const stormLogin = stormMember.login('r1', 'storm');
    await until(s, (m) => m('atrium_admission_pending_links') === 1);

    // The peer parks upgrades (raw sockets: an upgrade and nothing more) until the listener is full.
    const parked = SOCKET_CAP - 1;
    for (let i = 0; i < parked; i++) sockets.push(rawUpgrade(s));
    await until(s, (m) => m('atrium_admission_waiting_links') === parked);
    // Far more than maxLinks, none of them counted as a link.
    expect((await metrics(s))('atrium_links')).toBe(1);

    // A while later (held upgrades are evictable once they have waited half a second, like idle
    // connections).
    await new Promise((resolve) => setTimeout(resolve, 4 * LOGIN_DEADLINE_MS));

    // Another user's fresh login (past the line, by the docs) and the load balancer's health
    // check. The login's join waits on the storm's backend like everyone's: it is answered once
    // the backend is released, which must not wait for the login to get through.
    const login = outcomeOf(freshLogin(s, 'r2', 'newcomer', { localAddress: OTHER }));
    const health = await outcomeOf(get(s, '/healthz', OTHER).then((r) => r.status));
    await until(s, (m) => m('atrium_links') === 2);
    backend.release();
    await stormLogin;
    await stormMember.close();
    expect({ login: await login, health }).toEqual({
      login: expect.stringMatching(/^ok .*"code":0/),
      health: 'ok 200',
    });
    // The newcomer pushed out held upgrades of the heavier address, never a link.
    expect((await metrics(s))('atrium_admission_waiting_links')).toBeLessThan(parked);
  });

  it('control (passes): without a storm the same upgrades become links, capped and evicted, and the newcomer gets in', async () => {
    const s = await startServer(OPTIONS);
    servers.push(s);
    const parked = SOCKET_CAP - 1;
    const answered: Promise<void>[] = [];
    for (let i = 0; i < parked; i++) {
      const socket = rawUpgrade(s);
      sockets.push(socket);
      answered.push(
        new Promise((resolve) => {
          socket.once('data', () => resolve());
          socket.once('close', () => resolve());
        }),
      );
    }
    await Promise.all(answered);
    expect((await metrics(s))('atrium_links')).toBeLessThanOrEqual(MAX_LINKS);
    // The same wait as above: the links evicted or past the login deadline are gone by then.
    await new Promise((resolve) => setTimeout(resolve, 4 * LOGIN_DEADLINE_MS));
    const login = await outcomeOf(freshLogin(s, 'r2', 'newcomer', { localAddress: OTHER }));
    const health = await outcomeOf(get(s, '/healthz', OTHER).then((r) => r.status));
    expect({ login, health }).toEqual({
      login: expect.stringMatching(/^ok .*"code":0/),
      health: 'ok 200',
    });
  });
});
