// Token lifecycle rules the other suites leave open (docs/contract.md, "Tokens"): an expired token
// does not end a session unless kickOnTokenExpiry says so, a renewal in time prevents the kick, and
// each room of a multi-room session keeps its own token and its own warning.

import { Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, tokenFor } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

/**
 * Short, so sweeps come often, but not shorter: a link is dropped after 2 × hb without a frame,
 * and at 100 ms one 200 ms stall of a loaded machine dropped the test's own link (then no kick
 * or warning ever reached it).
 */
const HB_MS = 300;

/** Lets n sweep intervals pass: the client pings every hb/2 ms, as often as the server sweeps. */
async function sweeps(c: Awaited<ReturnType<Harness['client']>>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await c.waitFor((f) => f.t === 'pong', c.mark());
}

describe('token expiry', () => {
  it('without kickOnTokenExpiry, an expired session stays a member through many sweeps', async () => {
    let skewMs = 0;
    const s = await h.server({ now: () => Date.now() + skewMs, heartbeatIntervalMs: HB_MS });
    const [c, other] = [await h.client(s), await h.client(s)];
    await c.joined('r1', 'u1', { token: tokenFor('u1', { ttlSec: 60 }) });
    await other.joined('r1', 'u2');
    skewMs = 120_000;
    await sweeps(c, 5);
    expect(c.since(0, (f) => f.t === 'kick')).toEqual([]);
    await other.request({ t: 'bcast', room: 'r1', msg: 'still there?' });
    await c.waitFor((f) => f.t === 'ev' && f.k === 'bcast');
    expect(other.events('leave')).toEqual([]);
  });

  it('kickOnTokenExpiry: a renewal before expiry prevents the kick; the renewed expiry is the one enforced', async () => {
    let skewMs = 0;
    const s = await h.server({
      now: () => Date.now() + skewMs,
      heartbeatIntervalMs: HB_MS,
      kickOnTokenExpiry: true,
    });
    const c = await h.client(s);
    await c.joined('r1', 'u1', { token: tokenFor('u1', { ttlSec: 60 }) });
    skewMs = 40_000;
    await c.waitFor((f) => f.t === 'expiring');
    expect((await c.request({ t: 'renew', token: tokenFor('u1', { ttlSec: 120 }) })).code).toBe(Code.OK);
    skewMs = 90_000; // past the first token's expiry, before the renewed one's
    await sweeps(c, 5);
    expect(c.since(0, (f) => f.t === 'kick')).toEqual([]);
    skewMs = 125_000;
    expect(await c.waitFor((f) => f.t === 'kick')).toMatchObject({ room: 'r1', code: Code.TOKEN_EXPIRED });
  });

  it('multi-room: each room keeps its own token — its own warning, expiry and kick', async () => {
    let skewMs = 0;
    const s = await h.server({
      now: () => Date.now() + skewMs,
      heartbeatIntervalMs: HB_MS,
      kickOnTokenExpiry: true,
    });
    const c = await h.client(s);
    await c.joined('short', 'u1', { multi: true, token: tokenFor('u1', { roomID: 'short', ttlSec: 60 }) });
    await c.joined('long', 'u1', { multi: true, token: tokenFor('u1', { roomID: 'long', ttlSec: 3600 }) });
    skewMs = 35_000;
    expect(await c.waitFor((f) => f.t === 'expiring')).toEqual({ t: 'expiring', room: 'short' });
    skewMs = 61_000;
    expect(await c.waitFor((f) => f.t === 'kick')).toMatchObject({ room: 'short', code: Code.TOKEN_EXPIRED });
    await sweeps(c, 3);
    expect(
      c.since(0, (f) => f.t === 'expiring' || f.t === 'kick').map((f) => ('room' in f ? f.room : '')),
    ).toEqual(['short', 'short']);
    expect((await c.request({ t: 'pub', room: 'long', stream: 's1' })).code).toBe(Code.OK);
    expect((await c.request({ t: 'pub', room: 'short', stream: 's2' })).code).toBe(Code.NOT_LOGGED_IN);
  });
});
