// The link with everything injected: a scripted WebSocket class and a manual clock, so the
// heartbeat, silence, backoff and generation rules are checked to the millisecond.
import type { ClientFrame, ServerFrame } from '@atrium/protocol';
import { describe, expect, it } from 'vitest';
import type { ReconnectPolicy } from '../src/backoff.js';
import { Link, type LinkHandlers, type Timers } from '../src/link.js';
import { Logger } from '../src/log.js';

class ManualClock implements Timers {
  now = 0;
  private nextHandle = 1;
  private readonly due = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.due.set(handle, { at: this.now + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  get pending(): number {
    return this.due.size;
  }

  /** Runs every timer due up to now + ms, in time order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = [...this.due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (next === undefined || next[1].at > until) break;
      this.due.delete(next[0]);
      this.now = next[1].at;
      next[1].callback();
    }
    this.now = until;
  }
}

class FakeSocket {
  static made: FakeSocket[] = [];
  readyState = 0;
  readonly sent: ClientFrame[] = [];
  closedWith: 'close' | 'terminate' | undefined;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code?: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientFrame);
  }

  close(): void {
    this.closedWith ??= 'close';
  }

  terminate(): void {
    this.closedWith = 'terminate';
  }

  receive(frame: ServerFrame | Record<string, unknown>): void {
    this.readyState = 1;
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
}

function setup(
  policy: ReconnectPolicy = { nextRetryDelayInMs: ({ retryCount }) => 100 * (retryCount + 1) },
  connectTimeoutMs = 3000,
) {
  FakeSocket.made = [];
  const clock = new ManualClock();
  const events: string[] = [];
  const frames: ServerFrame[] = [];
  const online = new EventTarget();
  const handlers: LinkHandlers = {
    onOpen: (hb) => events.push(`open:${hb}`),
    onFrame: (frame) => frames.push(frame),
    onDown: (reason) => events.push(`down:${reason.split(' ')[0]}`),
    onGiveUp: () => events.push('gave up'),
  };
  const link = new Link(
    {
      urls: ['ws://a', 'ws://b'],
      webSocket: FakeSocket,
      timers: clock,
      now: () => clock.now,
      retryPolicy: policy,
      connectTimeoutMs,
      closeGraceMs: 500,
      onlineEvents: online,
      log: new Logger('silent'),
    },
    handlers,
  );
  /** The socket class resolves in a microtask; let it. */
  const settle = () => new Promise<void>((r) => setTimeout(r, 0));
  const socket = (i: number) => {
    const s = FakeSocket.made[i];
    if (s === undefined) throw new Error(`no socket ${i}`);
    return s;
  };
  return { link, clock, events, frames, online, settle, socket };
}

describe('Link', () => {
  it('opens on hello, pings every hb, and is dead after exactly 2 × hb without a frame', async () => {
    const { link, clock, events, settle, socket } = setup();
    link.start();
    await settle();
    socket(0).receive({ t: 'hello', v: 1, hb: 1000 });
    expect(events).toEqual(['open:1000']);
    clock.advance(1000);
    expect(socket(0).sent).toEqual([{ t: 'ping' }]);
    clock.advance(500);
    socket(0).receive({ t: 'pong' }); // at 1500: silence now ends at 3500
    clock.advance(1999);
    expect(link.isOpen).toBe(true);
    clock.advance(1);
    expect(events).toEqual(['open:1000', 'down:no']);
    expect(socket(0).closedWith).toBe('terminate');
  });

  it('retries with the policy, rotating the URLs, and drops what a stale socket still says', async () => {
    const { link, clock, events, frames, settle, socket } = setup();
    link.start();
    await settle();
    expect(socket(0).url).toBe('ws://a');
    socket(0).drop(); // before hello: a failed attempt, no onDown
    expect(events).toEqual([]);
    clock.advance(99);
    await settle();
    expect(FakeSocket.made).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(socket(1).url).toBe('ws://b');
    socket(1).receive({ t: 'hello', v: 1, hb: 1000 });
    socket(1).drop();
    expect(events).toEqual(['open:1000', 'down:closed']);
    socket(1).receive({ t: 'ev', room: 'r', seq: 1, k: 'join', user: { userID: 'x' } });
    expect(frames).toEqual([]);
    clock.advance(100); // the retry count starts again after a link that was up
    await settle();
    expect(socket(2).url).toBe('ws://a');
  });

  it('a policy returning null stops the link and says so', async () => {
    const { link, events, settle, socket } = setup({ nextRetryDelayInMs: () => null });
    link.start();
    await settle();
    socket(0).drop();
    expect(events).toEqual(['gave up']);
    expect(link.isStopped).toBe(true);
  });

  it('an attempt without hello fails after connectTimeoutMs', async () => {
    const { link, clock, settle, socket } = setup();
    link.start();
    await settle();
    clock.advance(2999);
    expect(socket(0).closedWith).toBeUndefined();
    clock.advance(1);
    expect(socket(0).closedWith).toBe('terminate');
    expect(link.isOpen).toBe(false);
  });

  it('bye: reconnects no sooner than retryMs', async () => {
    const { link, clock, events, settle, socket } = setup();
    link.start();
    await settle();
    socket(0).receive({ t: 'hello', v: 1, hb: 1000 });
    socket(0).receive({ t: 'bye', code: 1002051, retryMs: 2000 });
    expect(events).toEqual(['open:1000', 'down:server']);
    clock.advance(1999);
    await settle();
    expect(FakeSocket.made).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(FakeSocket.made).toHaveLength(2);
  });

  it('online retries at once instead of waiting out the backoff', async () => {
    const { link, online, settle, socket } = setup({ nextRetryDelayInMs: () => 60_000 });
    link.start();
    await settle();
    socket(0).drop();
    online.dispatchEvent(new Event('online'));
    await settle();
    expect(FakeSocket.made).toHaveLength(2);
  });

  it('online abandons an attempt still hanging and connects at once, not after its timeout', async () => {
    const { link, clock, online, settle, socket } = setup({ nextRetryDelayInMs: () => 60_000 });
    link.start();
    await settle();
    clock.advance(1000);
    online.dispatchEvent(new Event('online'));
    await settle();
    expect(socket(0).closedWith).toBe('terminate');
    expect(FakeSocket.made).toHaveLength(2);
    // The new attempt has its own, full timeout: the old one's deadline (3000) passes harmlessly.
    clock.advance(2500);
    expect(socket(1).closedWith).toBeUndefined();
    // The abandoned attempt's late hello changes nothing; the new one's opens the link.
    socket(0).receive({ t: 'hello', v: 1, hb: 1000 });
    expect(link.isOpen).toBe(false);
    socket(1).receive({ t: 'hello', v: 1, hb: 1000 });
    expect(link.isOpen).toBe(true);
  });

  it('once round trips are measured, a silent attempt is dropped after max(8 s, 20 RTT), doubling per timeout up to connectTimeoutMs', async () => {
    const { link, clock, settle, socket } = setup({ nextRetryDelayInMs: () => 0 }, 30_000);
    // Without a measurement: the configured 30 s.
    link.start();
    await settle();
    socket(0).receive({ t: 'hello', v: 1, hb: 1000 });
    clock.advance(1000); // a ping goes out
    clock.advance(600);
    socket(0).receive({ t: 'pong' }); // a 600 ms round trip: 20 of them is 12 s
    socket(0).drop();
    /** Lets the (0 ms) retry start attempt `i`, then measures how long it lives without hello. */
    const timeoutOf = async (i: number) => {
      clock.advance(0);
      await settle();
      const start = clock.now;
      while (socket(i).closedWith === undefined) clock.advance(100);
      return clock.now - start;
    };
    expect(await timeoutOf(1)).toBe(12_000);
    expect(await timeoutOf(2)).toBe(24_000);
    expect(await timeoutOf(3)).toBe(30_000); // 48 s, capped at connectTimeoutMs
    // A hello resets the doubling; a fast network still gets the 8 s floor (a server in a storm
    // may take seconds to reach a link, and an attempt given up is work it did for nobody).
    clock.advance(0);
    await settle();
    socket(4).receive({ t: 'hello', v: 1, hb: 1000 });
    for (let n = 0; n < 8; n++) {
      clock.advance(1000);
      socket(4).receive({ t: 'pong' }); // round trips of 0 ms pull the estimate down
    }
    socket(4).drop();
    expect(await timeoutOf(5)).toBe(8_000);
  });

  it('barrier: calls back at the pong of a ping sent after it, not an earlier one', async () => {
    const { link, clock, settle, socket } = setup();
    link.start();
    await settle();
    socket(0).receive({ t: 'hello', v: 1, hb: 1000 });
    clock.advance(1000); // heartbeat ping #1
    let called = 0;
    expect(link.barrier(() => called++)).toBe(true); // ping #2
    socket(0).receive({ t: 'pong' });
    expect(called).toBe(0);
    socket(0).receive({ t: 'pong' });
    expect(called).toBe(1);
  });

  it('stop closes gracefully, cuts the socket after closeGraceMs, and leaves no timer', async () => {
    const { link, clock, settle, socket } = setup();
    link.start();
    await settle();
    socket(0).receive({ t: 'hello', v: 1, hb: 1000 });
    link.stop();
    expect(socket(0).closedWith).toBe('close');
    clock.advance(500);
    expect(socket(0).closedWith).toBe('terminate');
    expect(clock.pending).toBe(0);
    expect(link.send({ t: 'ping' })).toBe(false);
  });

  it('simulated faults: down cuts and refuses, silent loses frames both ways, up heals at once', async () => {
    const { link, clock, events, frames, settle, socket } = setup({ nextRetryDelayInMs: () => 60_000 });
    link.start();
    await settle();
    socket(0).receive({ t: 'hello', v: 1, hb: 1000 });
    link.simulateNetwork('silent');
    expect(link.send({ t: 'ping' })).toBe(true);
    socket(0).receive({ t: 'count', room: 'r', n: 2 });
    expect(socket(0).sent).toEqual([]);
    expect(frames).toEqual([]);
    clock.advance(2000);
    expect(events).toEqual(['open:1000', 'down:no']);
    link.simulateNetwork('down');
    link.simulateNetwork('up');
    await settle();
    socket(1).receive({ t: 'hello', v: 1, hb: 1000 });
    link.simulateNetwork('down');
    expect(events).toEqual(['open:1000', 'down:no', 'open:1000', 'down:network']);
    link.simulateNetwork('up');
    clock.advance(0);
    await settle();
    expect(FakeSocket.made).toHaveLength(3);
  });
});
