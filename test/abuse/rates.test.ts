// Request rates: a member that broadcasts, publishes and unpublishes, or logs in and out as fast
// as it can, with links paced under their input budget so only the room layer's rates stop it.
// Beyond its budget (limits/rates.ts, default server options) every request is refused with
// 1009015 and nothing else happens; more links as the same user buy no more budget. Meanwhile
// the probe in another room does not stall, and legitimate members in the attacker's room keep
// sending and receiving.

import { Code } from '@atrium/protocol';
import type { ServerError } from '@atrium/sdk';
import { describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { APP_ID, type Client, joined, token, World } from '../support/world.js';
import { rawLink, STALL_BOUND_MS, useRig } from './support/rig.js';

/** What the server's defaults allow (limits/rates.ts): per second, and in a burst. */
const MESSAGES = { perSec: 50, burst: 100 };
const STREAMS = { perSec: 20, burst: 40 };
const LOGINS = { perSec: 5, burst: 10 };
/** Requests the timing of a loaded machine may let through beyond the computed bound. */
const SLACK = 10;

const world = new World();

const rig = useRig({}, { cleanUp: () => world.close() });

/** A raw link that sends requests with ids of its own and keeps their reply codes. */
class Raw {
  readonly codes = new Map<number, number>();
  private nextID = 1;

  /** The close code once the link has closed. */
  closedWith: number | undefined;

  private constructor(readonly link: Awaited<ReturnType<typeof rawLink>>) {
    void link.closed.then((code) => {
      this.closedWith = code;
    });
    link.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { t: string; id?: number; code?: number };
      if (frame.t === 'reply' && frame.id !== undefined) this.codes.set(frame.id, frame.code ?? -1);
    });
  }

  static async open(): Promise<Raw> {
    return new Raw(await rawLink(rig.server.wsUrl));
  }

  send(frame: Record<string, unknown>): number {
    const id = this.nextID++;
    this.link.ws.send(JSON.stringify({ ...frame, id }));
    return id;
  }

  async request(frame: Record<string, unknown>): Promise<number> {
    const id = this.send(frame);
    await until(() => this.codes.has(id));
    return this.codes.get(id) as number;
  }

  async login(room: string, userID: string, multi = false): Promise<void> {
    const code = await this.request(loginFrame(room, userID, multi));
    if (code !== Code.OK) throw new Error(`login ${userID}@${room}: ${code}`);
  }

  /** Sends `perTick` frames every 20 ms for `ms`; resolves with each reply code and the time taken. */
  async flood(frameOf: (i: number) => Record<string, unknown>, ms: number, perTick: number) {
    const startedAt = Date.now();
    const ids: number[] = [];
    while (Date.now() - startedAt < ms) {
      for (let i = 0; i < perTick; i++) ids.push(this.send(frameOf(ids.length)));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await until(
      () => {
        if (this.closedWith !== undefined)
          throw new Error(`link closed (${this.closedWith}) during the flood`);
        return ids.every((id) => this.codes.has(id));
      },
      { failure: () => 'replies missing' },
    );
    return { codes: ids.map((id) => this.codes.get(id) as number), seconds: (Date.now() - startedAt) / 1000 };
  }
}

const loginFrame = (room: string, userID: string, multi = false) => ({
  t: 'login',
  appID: APP_ID,
  room,
  token: token(userID),
  user: { userID },
  multi,
});

/** The most a budget lets through in `seconds`. */
const bound = (rate: { perSec: number; burst: number }, seconds: number) =>
  rate.burst + rate.perSec * seconds + SLACK;

const count = (codes: number[], code: number) => codes.filter((c) => c === code).length;

/** Two members of `room`: A sends a broadcast every 100 ms while `busy`, B must receive each. */
async function legitimatePair(room: string) {
  const [a, b] = [
    await joined(world, rig.server, room, `${room}-a`),
    await joined(world, rig.server, room, `${room}-b`),
  ];
  const sent: string[] = [];
  return {
    b,
    async keepSending(busy: Promise<unknown>): Promise<void> {
      let done = false;
      void busy.finally(() => {
        done = true;
      });
      while (!done) {
        const text = `legit ${sent.length}`;
        const reply = await a.engine.sendBroadcastMessage(room, text);
        expect(reply.errorCode).toBe(0);
        sent.push(text);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await until(() => sent.every((text) => received(b, room).some((m) => m.message === text)), {
        failure: () => `B missed some of A's ${sent.length} broadcasts`,
      });
      expect(sent.length).toBeGreaterThan(3);
    },
  };
}

/** The broadcasts `c` received in `room`, in order. */
function received(c: Client, room: string): { message: string; fromUser: { userID: string } }[] {
  return c.rec.of('IMRecvBroadcastMessage', room).flatMap((args) => args[1] as never[]);
}

describe('request rates', () => {
  it('a member flooding broadcasts gets 1009015 beyond its budget, and nothing else happens', async () => {
    const room = 'rates-bcast';
    const pair = await legitimatePair(room);
    const attacker = await Raw.open();
    await attacker.login(room, 'bcast-attacker');
    await rig.probe.reset();
    const limitedBefore = await rig.server.limited('rate_messages');
    // 300 a second, under the link's input budget: only the member's message rate stops it.
    const flood = attacker.flood((i) => ({ t: 'bcast', room, msg: `flood ${i}` }), 2000, 6);
    await pair.keepSending(flood);
    const { codes, seconds } = await flood;
    const ok = count(codes, Code.OK);
    console.log(`broadcast flood: ${ok} of ${codes.length} accepted in ${seconds} s`);
    expect(count(codes, Code.MESSAGE_FREQUENCY)).toBe(codes.length - ok);
    expect(ok).toBeGreaterThanOrEqual(MESSAGES.burst);
    expect(ok).toBeLessThanOrEqual(bound(MESSAGES, seconds));
    expect(await rig.server.limited('rate_messages')).toBe(limitedBefore + codes.length - ok);
    // Once the budget has refilled, a last one goes through; B got exactly the accepted ones.
    await until(async () => (await attacker.request({ t: 'bcast', room, msg: 'last' })) === Code.OK);
    await until(() => received(pair.b, room).some((m) => m.message === 'last'));
    const fromAttacker = received(pair.b, room).filter((m) => m.fromUser.userID === 'bcast-attacker');
    expect(fromAttacker).toHaveLength(ok + 1);
    expect((await rig.probe.stats()).maxStallMs).toBeLessThan(STALL_BOUND_MS);
  }, 30_000);

  it('more links as the same user share one budget', async () => {
    const links = await Promise.all([0, 1, 2, 3].map(() => Raw.open()));
    for (const [i, link] of links.entries()) await link.login(`rates-multi-${i}`, 'multi-attacker', true);
    // 150 each in 1.5 s: a budget per link would take them all.
    const floods = await Promise.all(
      links.map((link, i) => link.flood(() => ({ t: 'bcast', room: `rates-multi-${i}`, msg: 'x' }), 1500, 2)),
    );
    const codes = floods.flatMap((f) => f.codes);
    const seconds = Math.max(...floods.map((f) => f.seconds));
    const ok = count(codes, Code.OK);
    expect(count(codes, Code.MESSAGE_FREQUENCY)).toBe(codes.length - ok);
    expect(ok).toBeLessThanOrEqual(bound(MESSAGES, seconds));
  }, 30_000);

  it('a member flooding stream publish and unpublish gets 1009015 beyond its budget', async () => {
    const room = 'rates-streams';
    const pair = await legitimatePair(room);
    const attacker = await Raw.open();
    await attacker.login(room, 'stream-attacker');
    await rig.probe.reset();
    const flood = attacker.flood(
      (i) => ({ t: i % 2 === 0 ? 'pub' : 'unpub', room, stream: 'flood-stream' }),
      2000,
      6,
    );
    await pair.keepSending(flood);
    const { codes, seconds } = await flood;
    const refused = count(codes, Code.MESSAGE_FREQUENCY);
    console.log(`stream flood: ${codes.length - refused} of ${codes.length} handled in ${seconds} s`);
    expect(refused).toBeGreaterThan(0);
    expect(codes.length - refused).toBeLessThanOrEqual(bound(STREAMS, seconds));
    expect(await rig.server.limited('rate_streams')).toBeGreaterThanOrEqual(refused);
    expect((await rig.probe.stats()).maxStallMs).toBeLessThan(STALL_BOUND_MS);
  }, 30_000);

  it('a link cycling logins gets 1009015 beyond its budget; others still log in', async () => {
    const room = 'rates-logins';
    const pair = await legitimatePair(room);
    const attacker = await Raw.open();
    // Logged in first, so the link has a logged-in link's input budget for the flood.
    await attacker.login(room, 'login-attacker');
    await rig.probe.reset();
    // A logout and a login every 20 ms.
    const flood = attacker.flood(
      (i) => (i % 2 === 0 ? { t: 'logout', room } : loginFrame(room, 'login-attacker')),
      2000,
      2,
    );
    await pair.keepSending(flood);
    const { codes, seconds } = await flood;
    const logins = codes.filter((_, i) => i % 2 === 1);
    const refused = count(logins, Code.MESSAGE_FREQUENCY);
    console.log(
      `login cycling: ${logins.length - refused} of ${logins.length} logins handled in ${seconds} s`,
    );
    expect(refused).toBeGreaterThan(0);
    expect(logins.length - refused).toBeLessThanOrEqual(bound(LOGINS, seconds));
    expect(await rig.server.limited('rate_logins')).toBeGreaterThanOrEqual(refused);
    await joined(world, rig.server, room, 'login-newcomer');
    expect((await rig.probe.stats()).maxStallMs).toBeLessThan(STALL_BOUND_MS);
  }, 30_000);

  it('the SDK rejects a refused broadcast with ServerError 1009015 and does not send it again', async () => {
    const room = 'rates-sdk';
    const c = await joined(world, rig.server, room, 'sdk-flooder');
    const limitedBefore = await rig.server.limited('rate_messages');
    const results = await Promise.allSettled(
      Array.from({ length: MESSAGES.burst + 50 }, (_, i) => c.engine.sendBroadcastMessage(room, `m${i}`)),
    );
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as ServerError] : []));
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((e) => e.errorCode === Code.MESSAGE_FREQUENCY)).toBe(true);
    // Each refusal was one request: none was sent again.
    expect(await rig.server.limited('rate_messages')).toBe(limitedBefore + rejected.length);
  }, 30_000);
});
