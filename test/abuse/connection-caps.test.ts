// Connection caps: a server whose open-file limit is 256 (as `ulimit -n 256` sets it) derives its
// caps from it — 192 links, 48 connections per address, 96 links before login — and keeps the
// rest for /healthz, the admin API and logins. Attackers come from other loopback addresses than
// the probe and the newcomers (127.0.0.1). Beyond the caps they get 429 (per address) or 503
// (all links logged in); links that never log in make room for newcomers by being closed, oldest
// first. Without the caps the process runs out of descriptors and serves no one.

import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { joined, World } from '../support/world.js';
import {
  RSS_GROWTH_BOUND_MB,
  rawLink,
  rawLogin,
  refusedWith,
  STALL_BOUND_MS,
  useRig,
} from './support/rig.js';

const FD_LIMIT = 256;
/** What the server derives from FD_LIMIT (limits/options.ts): 256 less a reserve of 64. */
const MAX_LINKS = 192;
const PER_IP = 48;

let world = new World();
const opened: WebSocket[] = [];

const rig = useRig({}, { fdLimit: FD_LIMIT });

afterEach(async () => {
  await world.close();
  world = new World();
  const gone = opened.splice(0).map(
    (ws) =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.terminate();
      }),
  );
  await Promise.all(gone);
  // The server has seen them go before the next attack.
  while ((await rig.server.links()) > 1) await new Promise((resolve) => setTimeout(resolve, 50));
});

/** Opens a link from `address` (kept for cleanup); undefined when it was refused or closed. */
async function tryLink(address: string) {
  try {
    const link = await rawLink(rig.server.wsUrl, address);
    opened.push(link.ws);
    return link;
  } catch {
    return undefined;
  }
}

async function healthz(): Promise<number> {
  return (await fetch(`${rig.server.httpUrl}/healthz`)).status;
}

describe('connection caps', () => {
  it('one address gets 429 beyond its share; others are served', async () => {
    await rig.probe.reset();
    for (let i = 0; i < PER_IP; i++) expect(await tryLink('127.0.0.2')).toBeDefined();
    expect(await refusedWith(rig.server.wsUrl, '127.0.0.2')).toBe(429);
    expect(await refusedWith(rig.server.wsUrl, '127.0.0.2')).toBe(429);
    expect(await rig.server.limited('links_per_ip')).toBeGreaterThanOrEqual(2);
    expect(await healthz()).toBe(200);
    await joined(world, rig.server, 'r', 'newcomer1');
    expect((await rig.probe.stats()).maxStallMs).toBeLessThan(STALL_BOUND_MS);
  }, 30_000);

  it('links that never log in, from many addresses, make room for newcomers oldest first', async () => {
    const rssBefore = rig.server.rssMb();
    await rig.probe.reset();
    // Twice the descriptors the process has, spread so that no address reaches its own cap.
    const links = [];
    for (let i = 0; i < 2 * FD_LIMIT; i++) links.push(await tryLink(`127.0.1.${1 + (i % 20)}`));
    // The oldest were closed (1008) to let the newer in; the process kept its descriptors. (A
    // link opened while the closed ones' sockets were still closing may get 503 instead.)
    const admitted = links.filter((link) => link !== undefined);
    const closed = await Promise.all(
      admitted.map((link) => Promise.race([link.closed, new Promise((r) => setTimeout(() => r(0), 2000))])),
    );
    console.log(
      `connection caps: ${admitted.length} of ${links.length} admitted, ${closed.filter((c) => c === 1008).length} evicted`,
    );
    expect(admitted.length).toBeGreaterThan(FD_LIMIT);
    expect(closed.filter((code) => code === 1008).length).toBeGreaterThan(FD_LIMIT / 2);
    expect(await rig.server.limited('links_before_login')).toBeGreaterThan(FD_LIMIT / 2);
    expect(await healthz()).toBe(200);
    await joined(world, rig.server, 'r', 'newcomer2');
    expect((await rig.probe.stats()).maxStallMs).toBeLessThan(STALL_BOUND_MS);
    expect(rig.server.rssMb() - rssBefore).toBeLessThan(RSS_GROWTH_BOUND_MB);
  }, 60_000);

  it('beyond maxLinks logged-in links, a new link gets 503 and /healthz still answers', async () => {
    let refused = 0;
    for (let i = 0; i < MAX_LINKS + 10; i++) {
      const link = await tryLink(`127.0.2.${1 + (i % 20)}`);
      if (link === undefined) refused++;
      else await rawLogin(link, 'crowd', `crowd${i}`);
    }
    // The probe's link and the SDK newcomers' count too.
    expect(refused).toBeGreaterThanOrEqual(10);
    expect(await refusedWith(rig.server.wsUrl, '127.0.3.1')).toBe(503);
    expect(await rig.server.limited('links')).toBeGreaterThanOrEqual(refused);
    expect(await healthz()).toBe(200);
  }, 60_000);
});
