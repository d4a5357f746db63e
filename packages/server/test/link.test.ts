// The link: hello, ping/pong, heartbeat deadlines, bad frames, internal errors, and random input.

import { Code, type ErrorFrame, Limits, type ReplyFrame } from '@atrium/protocol';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../src/index.js';
import { Harness, TestClient, tokenFor } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('hello and heartbeat', () => {
  it('says hello with the protocol version and heartbeat interval; answers ping with pong', async () => {
    const s = await h.server({ heartbeatIntervalMs: 1234 });
    const c = await h.client(s, { ping: false });
    expect(c.frames[0]).toEqual({ t: 'hello', v: 1, hb: 1234 });
    c.send({ t: 'ping' });
    await c.waitFor((f) => f.t === 'pong');
  });

  it('a link silent for 2 heartbeats is dropped (within a margin) and the others see leave', async () => {
    const hb = 250;
    // No grace period: the member leaves with its link (resume.test.ts covers the grace).
    const s = await h.server({ heartbeatIntervalMs: hb, sessionGraceMs: 0 });
    const [silent, other] = [await h.client(s), await h.client(s)];
    await silent.joined('r1', 'quiet');
    await other.joined('r1', 'other');
    await silent.request({ t: 'pub', room: 'r1', stream: 's1' });
    silent.stopPinging();
    const stoppedAt = performance.now();
    await silent.whenClosed();
    const elapsed = performance.now() - stoppedAt;
    // The client's last ping went out up to hb/2 before it stopped: silence began that early.
    expect(elapsed).toBeGreaterThanOrEqual(2 * hb - hb / 2 - 50);
    expect(elapsed).toBeLessThan(2 * hb + 1500);
    await other.waitFor((f) => f.t === 'ev' && f.k === 'leave');
    expect(other.events().map((e) => e.k)).toEqual(['pub', 'unpub', 'leave']);
  });

  it('a link that keeps pinging stays, well past 2 heartbeats', async () => {
    const hb = 200;
    const s = await h.server({ heartbeatIntervalMs: hb });
    const c = await h.client(s);
    await c.joined('r1', 'u1');
    const start = performance.now();
    // Until 5 heartbeats have passed and the server has answered at least 5 pings: counting the
    // pongs of a fixed window instead failed under load, where the pinger fires late.
    let pongs = 0;
    while (pongs < 5 || performance.now() - start < 5 * hb) {
      await c.waitFor((f) => f.t === 'pong', c.mark());
      pongs++;
    }
    expect(c.closedCode).toBeUndefined();
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'alive' })).code).toBe(Code.OK);
  });
});

describe('a blocked event loop', () => {
  it('does not make live links look silent: their pings, unread meanwhile, are read before a verdict', async () => {
    // Short enough for the test, long enough that a loaded 2-core machine does not miss a beat by itself.
    const hb = 300;
    const s = await h.server({ heartbeatIntervalMs: hb });
    const c = await h.client(s);
    await c.joined('r1', 'u1');
    // The whole process stops for 4 heartbeats (a long GC, a burst of work): when it goes on,
    // the sweep's timer fires before the sockets are read.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 4 * hb);
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'still here' })).code).toBe(Code.OK);
    await c.waitFor((f) => f.t === 'pong', c.mark());
    await c.waitFor((f) => f.t === 'pong', c.mark());
    expect(c.closedCode).toBeUndefined();
  });
});

describe('bad frames get their code and the session goes on', () => {
  it('not JSON, not an object, oversized, unknown type, wrong field types, request before login', async () => {
    const s = await h.server();
    const [c, other] = [await h.client(s), await h.client(s)];
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'early' })).code).toBe(Code.NOT_LOGGED_IN);
    await c.joined('r1', 'u1');
    await other.joined('r1', 'u2');

    const errorAfter = async (raw: string) => {
      const mark = c.mark();
      c.send(raw);
      return c.waitFor<ErrorFrame>((f) => f.t === 'error', mark);
    };
    expect(await errorAfter('this is not json')).toEqual({
      t: 'error',
      code: Code.INPUT_PARAM,
      msg: 'frame is not JSON',
    });
    expect((await errorAfter('[1,2,3]')).code).toBe(Code.INPUT_PARAM);
    expect((await errorAfter('"just a string"')).code).toBe(Code.INPUT_PARAM);
    const big = JSON.stringify({ t: 'bcast', id: 99, room: 'r1', msg: 'x'.repeat(Limits.frameMaxBytes) });
    expect((await errorAfter(big)).msg).toContain('larger than');
    expect((await errorAfter(JSON.stringify({ t: 'bogus' }))).msg).toContain('unknown frame type');

    const unknown = await c.request({ t: 'bogus' });
    expect(unknown).toMatchObject({
      code: Code.INPUT_PARAM,
      msg: expect.any(String),
      ext: expect.any(String),
    });
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 123 })).code).toBe(Code.INPUT_PARAM);
    expect((await c.request({ t: 'bcast', room: 'r1' })).code).toBe(Code.INPUT_PARAM);
    expect((await c.request({ t: 'cmd', room: 'r1', msg: 'x', to: [1, 2] })).code).toBe(Code.INPUT_PARAM);
    expect((await c.request({ t: 'login', appID: '1', room: 'r', token: 't', user: {} })).code).toBe(
      Code.INPUT_PARAM,
    );
    // A binary message carrying the same JSON is read alike.
    const mark = c.mark();
    c.socket.send(Buffer.from(JSON.stringify({ t: 'bcast', id: 500, room: 'r1', msg: 'binary' })), {
      binary: true,
    });
    expect(await c.waitFor((f) => f.t === 'reply' && f.id === 500, mark)).toMatchObject({ code: Code.OK });

    // The session carries on; the other session saw nothing of this but the broadcasts.
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'fine' })).code).toBe(Code.OK);
    await other.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.msg.message === 'fine');
    expect(other.since(0, (f) => f.t === 'error' || f.t === 'kick')).toEqual([]);
    expect(c.closedCode).toBeUndefined();
  });

  it('a message above maxPayloadBytes closes that link only', async () => {
    const s = await h.server({ maxPayloadBytes: 2 * Limits.frameMaxBytes, sessionGraceMs: 0 });
    const [c, other] = [await h.client(s), await h.client(s)];
    await c.joined('r1', 'u1');
    await other.joined('r1', 'u2');
    c.send('x'.repeat(3 * Limits.frameMaxBytes));
    await c.whenClosed();
    expect(c.closedCode).toBe(1009);
    await other.waitFor((f) => f.t === 'ev' && f.k === 'leave');
    expect((await other.request({ t: 'bcast', room: 'r1', msg: 'ok' })).code).toBe(Code.OK);
  });

  it('an unexpected exception inside a request becomes a 1002099 reply, not a crash', async () => {
    class ExplodingBackend extends MemoryBackend {
      override async broadcast(): Promise<never> {
        throw new Error('boom');
      }
    }
    const backend = new ExplodingBackend();
    const s = await h.server({ backend });
    const c = await h.client(s);
    await c.joined('r1', 'u1');
    expect((await c.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.INTERNAL);
    expect((await c.request({ t: 'extra', room: 'r1', key: 'k', value: 'v' })).code).toBe(Code.OK);
    await backend.close();
  });
});

// ------------------------------------------------------------------ random input

const TYPES = ['login', 'logout', 'switch', 'renew', 'bcast', 'barrage', 'cmd', 'extra', 'pub', 'unpub'];
const FIELDS = ['room', 'token', 'user', 'msg', 'to', 'key', 'value', 'stream', 'extra', 'appID', 'from'];
const text = fc.oneof(fc.string(), fc.constantFrom('r1', 'u1', '', 's1'), fc.string({ unit: 'binary' }));
const jsonValue = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(text, { maxLength: 3 }),
  fc.dictionary(text, text, { maxKeys: 3 }),
);
const objectFrame = fc.record({
  t: fc.oneof(fc.constantFrom(...TYPES, 'sextra', 'resume', 'ping', 'bogus'), jsonValue),
  fields: fc.array(fc.tuple(fc.constantFrom(...FIELDS, '__proto__', 'constructor', 'rooms'), jsonValue), {
    maxLength: 6,
  }),
  goodId: fc.boolean(),
});
const rawFrame = fc.oneof(
  objectFrame.map((o) => ({ kind: 'object' as const, ...o })),
  text.map((s) => ({ kind: 'text' as const, s })),
  fc.uint8Array({ maxLength: 64 }).map((b) => ({ kind: 'bytes' as const, b })),
);

describe('random frames never crash the server', () => {
  it('answers every request with a usable id exactly once, and stays up for everyone', async () => {
    const s = await h.server();
    const observer = await h.client(s);
    await observer.joined('r1', 'observer');
    let nextId = 1000;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(rawFrame, { maxLength: 25 }), async (loginFirst, frames) => {
        const c = await TestClient.connect(s.wsUrl);
        try {
          if (loginFirst) await c.login('r1', 'u1', { token: tokenFor('u1') });
          const expected = new Set<number>();
          for (const f of frames) {
            if (f.kind === 'text') c.send(f.s);
            else if (f.kind === 'bytes') c.socket.send(f.b);
            else {
              const id = f.goodId ? nextId++ : 'x';
              const entries: [string, unknown][] = [['t', f.t], ...f.fields, ['id', id]];
              c.send(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
              if (typeof id === 'number' && f.t !== 'ping') expected.add(id);
            }
          }
          // Every reply, whatever order the server answers in; then a barrier behind them all,
          // so a second reply to any of them would have arrived by now too.
          await Promise.all([...expected].map((id) => c.waitFor((x) => x.t === 'reply' && x.id === id)));
          await c.settled();
          const replies = c.frames.filter((x): x is ReplyFrame => x.t === 'reply' && expected.has(x.id));
          expect(replies.map((r) => r.id).sort()).toEqual([...expected].sort());
          expect(c.garbage).toEqual([]);
          expect(c.closedCode).toBeUndefined();
        } finally {
          await c.close();
        }
      }),
      { numRuns: 60 },
    );
    expect((await observer.request({ t: 'bcast', room: 'r1', msg: 'still up' })).code).toBe(Code.OK);
    const res = await fetch(`${s.httpUrl}/healthz`);
    expect(res.status).toBe(200);
  });
});
