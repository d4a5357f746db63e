// Request rates per member, link and address (limits/rates.ts): the buckets on a fake clock, the
// options, and the gateway refusing a request beyond its budget with 1009015 and nothing else.

import { Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigFile } from '../src/config/load.js';
import { checkOptionNames } from '../src/config/safety.js';
import { RATE_TABLE, RateLimits, TokenBuckets } from '../src/limits/rates.js';
import { OptionsError, resolveOptions } from '../src/options.js';
import { APP_ID, Harness, limited, SECRET } from './helpers.js';

const apps = [{ appID: APP_ID, serverSecret: SECRET }];

describe('token buckets', () => {
  it('give a burst, then one token per 1/rate seconds, never more than the burst', () => {
    const b = new TokenBuckets(10, 3);
    expect([b.take('a', 0), b.take('a', 0), b.take('a', 0), b.take('a', 0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(b.take('b', 0)).toBe(true);
    expect(b.take('a', 99)).toBe(false);
    expect(b.take('a', 100)).toBe(true);
    expect(b.take('a', 100)).toBe(false);
    // An hour idle refills to the burst, not beyond.
    const later = 3_600_000;
    expect([b.take('a', later), b.take('a', later), b.take('a', later), b.take('a', later)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('refill nothing when the clock steps back, and give back a token taken', () => {
    const b = new TokenBuckets(1, 1);
    expect(b.take('a', 5000)).toBe(true);
    expect(b.take('a', 0)).toBe(false);
    expect(b.take('a', 999)).toBe(false);
    b.giveBack('a');
    expect(b.take('a', 999)).toBe(true);
  });

  it('forget only the buckets that have filled up again', () => {
    const b = new TokenBuckets(10, 2);
    b.take('a', 0);
    b.take('b', 0);
    b.take('b', 0);
    b.sweep(100);
    expect(b.size).toBe(1);
    b.sweep(200);
    expect(b.size).toBe(0);
  });
});

describe('rate limits', () => {
  const rates = resolveOptions({
    apps,
    rateMessagesPerSec: 1,
    rateMessagesBurst: 2,
    rateStreamsPerSec: 1,
    rateStreamsBurst: 1,
    rateExtraPerSec: 1,
    rateExtraBurst: 1,
    rateLoginsPerSec: 1,
    rateLoginsBurst: 2,
    rateLoginsPerIpPerSec: 1,
    rateLoginsPerIpBurst: 3,
  });

  it('charge every kind of message to one budget per member, whatever the link', () => {
    const r = new RateLimits(rates);
    const [l1, l2] = [{}, {}];
    expect(r.charge('bcast', { member: '1/u', link: l1, address: 'a' }, 0)).toBeUndefined();
    expect(r.charge('cmd', { member: '1/u', link: l2, address: 'b' }, 0)).toBeUndefined();
    expect(r.charge('barrage', { member: '1/u', link: l2, address: 'b' }, 0)).toEqual({
      limit: 'rate_messages',
      code: Code.MESSAGE_FREQUENCY,
    });
    // Another member, another budget; other budgets of the same member untouched.
    expect(r.charge('bcast', { member: '1/v', link: l1, address: 'a' }, 0)).toBeUndefined();
    expect(r.charge('extra', { member: '1/u', link: l1, address: 'a' }, 0)).toBeUndefined();
    expect(r.charge('extra', { member: '1/u', link: l1, address: 'a' }, 0)?.limit).toBe('rate_extra');
    expect(r.charge('pub', { member: '1/u', link: l1, address: 'a' }, 0)).toBeUndefined();
    expect(r.charge('unpub', { member: '1/u', link: l1, address: 'a' }, 0)?.limit).toBe('rate_streams');
    expect(r.charge('sextra', { member: '1/u', link: l1, address: 'a' }, 1000)).toBeUndefined();
    // Not charged: requests that are not rated, and member requests without a session.
    for (let i = 0; i < 10; i++) {
      expect(r.charge('renew', { member: '1/u', link: l1, address: 'a' }, 0)).toBeUndefined();
      expect(r.charge('bcast', { member: undefined, link: l1, address: 'a' }, 0)).toBeUndefined();
    }
  });

  it('charge logins, switches and resumes per link and per address', () => {
    const r = new RateLimits(rates);
    const [l1, l2, l3] = [{}, {}, {}];
    expect(r.charge('login', { member: undefined, link: l1, address: 'a' }, 0)).toBeUndefined();
    expect(r.charge('switch', { member: '1/u', link: l1, address: 'a' }, 0)).toBeUndefined();
    expect(r.charge('resume', { member: undefined, link: l1, address: 'a' }, 0)?.limit).toBe('rate_logins');
    expect(r.charge('login', { member: undefined, link: l2, address: 'a' }, 0)).toBeUndefined();
    // The address is dry: refused, and the link's token given back.
    expect(r.charge('login', { member: undefined, link: l2, address: 'a' }, 0)?.limit).toBe('rate_logins_ip');
    expect(r.charge('login', { member: undefined, link: l2, address: 'b' }, 0)).toBeUndefined();
    // Another address; an unknown address charges the link only.
    expect(r.charge('login', { member: undefined, link: l3, address: undefined }, 0)).toBeUndefined();
  });

  it('default to what a real app never meets, each refused with 1009015', () => {
    const o = resolveOptions({ apps });
    expect(o.rateMessagesPerSec).toBe(50);
    expect(o.rateMessagesBurst).toBe(100);
    expect(o.rateLoginsPerSec).toBe(5);
    expect(o.rateLoginsBurst).toBe(10);
    for (const row of Object.values(RATE_TABLE)) {
      if (row !== RATE_TABLE.loginsPerIp) {
        expect(o[row.perSecOption]).toBe(row.perSec);
        expect(o[row.burstOption]).toBe(row.burst);
      }
      expect(row.code).toBe(Code.MESSAGE_FREQUENCY);
    }
  });

  it('let an address resume every link it may hold at once, by default', () => {
    const few = resolveOptions({ apps, maxLinks: 1000, maxLinksPerIp: 100 });
    expect([few.rateLoginsPerIpPerSec, few.rateLoginsPerIpBurst]).toEqual([200, 1000]);
    // Behind a reverse proxy, every client's address.
    const proxy = resolveOptions({ apps, maxLinks: 50_000, maxLinksPerIp: 50_000 });
    expect([proxy.rateLoginsPerIpPerSec, proxy.rateLoginsPerIpBurst]).toEqual([5000, 50_000]);
    const set = resolveOptions({
      apps,
      maxLinksPerIp: 50_000,
      rateLoginsPerIpPerSec: 7,
      rateLoginsPerIpBurst: 9,
    });
    expect([set.rateLoginsPerIpPerSec, set.rateLoginsPerIpBurst]).toEqual([7, 9]);
  });

  it('are options checked by name and range, in a config file too', () => {
    expect(() => resolveOptions({ apps, rateMessagesPerSec: 0 })).toThrow(OptionsError);
    expect(() => resolveOptions({ apps, rateLoginsBurst: 1.5 })).toThrow(/rateLoginsBurst/);
    expect(() => checkOptionNames({ apps, rateExtraPerSec: 3 })).not.toThrow();
    expect(() => checkOptionNames({ apps, rateMessagePerSec: 3 })).toThrow(/rateMessagesPerSec/);
    expect(parseConfigFile('a.json', '{"rateStreamsBurst": 7}')).toEqual({ rateStreamsBurst: 7 });
  });
});

describe('the gateway', () => {
  const h = new Harness();
  afterEach(() => h.close());

  it('refuses a broadcast beyond the budget with 1009015: not delivered, the link stays', async () => {
    const s = await h.server({ rateMessagesPerSec: 1, rateMessagesBurst: 3 });
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'a');
    await b.joined('r1', 'b');
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await a.request({ t: 'bcast', room: 'r1', msg: `m${i}` })).code);
    expect(codes).toEqual([0, 0, 0, Code.MESSAGE_FREQUENCY, Code.MESSAGE_FREQUENCY]);
    await b.sync();
    expect(b.events('bcast').map((e) => (e.k === 'bcast' ? e.msg.message : ''))).toEqual(['m0', 'm1', 'm2']);
    // The link stays, and the other member's budget is its own.
    expect((await b.request({ t: 'bcast', room: 'r1', msg: 'from b' })).code).toBe(Code.OK);
    await a.waitFor((f) => f.t === 'ev' && f.k === 'bcast');
    expect(await limited(s.httpUrl, 'rate_messages')).toBe(2);
  });

  it('refuses room extra info beyond the budget with 1009015: not applied, no event', async () => {
    const s = await h.server({ rateExtraPerSec: 1, rateExtraBurst: 2 });
    const [a, b] = [await h.client(s), await h.client(s)];
    await a.joined('r1', 'a');
    await b.joined('r1', 'b');
    const extra = (value: string) => a.request({ t: 'extra', room: 'r1', key: 'k', value });
    expect((await extra('one')).code).toBe(Code.OK);
    expect((await extra('two')).code).toBe(Code.OK);
    expect((await extra('three')).code).toBe(Code.MESSAGE_FREQUENCY);
    await b.sync();
    expect(b.events('extra').map((e) => (e.k === 'extra' ? e.info.value : ''))).toEqual(['one', 'two']);
    const late = await h.client(s);
    const { snapshot } = await late.joined('r1', 'late');
    expect(JSON.stringify(snapshot)).toContain('"two"');
    expect(JSON.stringify(snapshot)).not.toContain('three');
    expect(await limited(s.httpUrl, 'rate_extra')).toBe(1);
  });

  it('answers a resend of an applied broadcast again without charging it', async () => {
    const s = await h.server({ rateMessagesPerSec: 1, rateMessagesBurst: 2 });
    const a = await h.client(s);
    await a.joined('r1', 'a');
    const resend = () => {
      const reply = a.waitFor((f) => f.t === 'reply' && f.id === 900, a.mark());
      a.send({ t: 'bcast', id: 900, room: 'r1', msg: 'once' });
      return reply;
    };
    expect(await resend()).toMatchObject({ code: Code.OK });
    expect((await a.request({ t: 'bcast', room: 'r1', msg: 'second' })).code).toBe(Code.OK);
    // The budget is dry now; the resend is answered as it was the first time.
    expect(await resend()).toMatchObject({ code: Code.OK });
    expect((await a.request({ t: 'bcast', room: 'r1', msg: 'third' })).code).toBe(Code.MESSAGE_FREQUENCY);
  });

  it('gives one budget to a user over several links', async () => {
    const s = await h.server({ rateMessagesPerSec: 1, rateMessagesBurst: 4 });
    const links = [await h.client(s), await h.client(s), await h.client(s), await h.client(s)];
    for (const [i, link] of links.entries()) await link.joined(`r${i}`, 'same', { multi: true });
    const codes = [];
    for (const [i, link] of links.entries()) {
      for (let j = 0; j < 2; j++)
        codes.push((await link.request({ t: 'bcast', room: `r${i}`, msg: 'x' })).code);
    }
    expect(codes.filter((c) => c === Code.OK)).toHaveLength(4);
    expect(codes.filter((c) => c === Code.MESSAGE_FREQUENCY)).toHaveLength(4);
  });

  it('refuses logins beyond a link’s budget with 1009015, and the link stays', async () => {
    const s = await h.server({ rateLoginsPerSec: 1, rateLoginsBurst: 2 });
    const a = await h.client(s);
    expect((await a.login('r1', 'a', { multi: true })).code).toBe(Code.OK);
    expect((await a.login('r2', 'a', { multi: true })).code).toBe(Code.OK);
    expect((await a.login('r3', 'a', { multi: true })).code).toBe(Code.MESSAGE_FREQUENCY);
    expect((await a.request({ t: 'bcast', room: 'r1', msg: 'still here' })).code).toBe(Code.OK);
    // Another link has a budget of its own.
    const b = await h.client(s);
    expect((await b.login('r3', 'b')).code).toBe(Code.OK);
    expect(await limited(s.httpUrl, 'rate_logins')).toBe(1);
  });
});
