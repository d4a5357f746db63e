// destroy() releasing everything, the retry policy seam, and the browser `online` hint.
import { describe, expect, it } from 'vitest';
import { Code, RoomEngine, type Timers } from '../src/index.js';
import { FakeServer } from './fake-server.js';
import { useHarness } from './harness.js';
import { Recorder } from './recorder.js';

const { server, client } = useHarness();
const HB = 200;

/**
 * Timers through the engine's `timers` option, counted while pending: every timer of the SDK
 * goes through it, so "none left" is exact, whatever else the process is doing.
 */
function countedTimers(): Timers & { pending: Set<unknown> } {
  const pending = new Set<unknown>();
  return {
    pending,
    setTimeout(callback, ms) {
      const handle = setTimeout(() => {
        pending.delete(handle);
        callback();
      }, ms);
      pending.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      pending.delete(handle);
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}

/** Sockets and servers this process holds (what would keep Node from exiting). */
function sockets(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap')
    .sort();
}

/** Timers of the whole process: vitest's own come and go (its RPCs to the main process). */
function processTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * Waits until the engine has no timer pending, the process holds exactly the sockets it held
 * before the test, and no more timers than then (a timer of a library under the engine, such as
 * a socket's close timeout, shows only there; vitest's come and go, so "no more", not "the same").
 */
async function settlesTo(
  baseline: { sockets: string[]; timers: number },
  engineTimers: { pending: Set<unknown> },
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const settled = () =>
    engineTimers.pending.size === 0 &&
    JSON.stringify(sockets()) === JSON.stringify(baseline.sockets) &&
    processTimers() <= baseline.timers;
  while (!settled()) {
    if (Date.now() > deadline) {
      throw new Error(
        `still open: engine timers ${engineTimers.pending.size}, sockets ${sockets().join(', ')} ` +
          `(expected ${baseline.sockets.join(', ')}), process timers ${processTimers()} (at most ${baseline.timers})`,
      );
    }
    await new Promise((r) => setImmediate(r));
  }
}

describe('destroy', () => {
  it('logs out of everything and leaves no socket or timer behind, even mid-reconnect', async () => {
    const baseline = { sockets: sockets(), timers: processTimers() };
    const timers = countedTimers();
    const s = await FakeServer.start({ hb: HB });
    const engine = new RoomEngine(1, s.url, { logLevel: 'silent', timers });
    const rec = new Recorder(engine);
    engine.enableMultiRoom(true);
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    await engine.loginRoom('r2', 'tok', { userID: 'me' });
    s.accepting = false;
    s.last?.kill();
    await rec.waitForState('r2', 'RECONNECTING');
    const queued = engine.sendBroadcastMessage('r1', 'never');
    engine.destroy();
    expect(rec.states('r1').slice(-2)).toEqual(['RECONNECTING:1002051', 'LOGOUT:0']);
    expect(rec.states('r2').at(-1)).toBe('LOGOUT:0');
    expect(await queued).toEqual({ errorCode: Code.NOT_LOGGED_IN });
    await s.close();
    await settlesTo(baseline, timers);
  });

  it('closes a live link gracefully after telling the server, and releases its timers', async () => {
    const baseline = { sockets: sockets(), timers: processTimers() };
    const timers = countedTimers();
    const s = await FakeServer.start({ hb: HB });
    const engine = new RoomEngine(1, s.url, { logLevel: 'silent', timers });
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    engine.destroy();
    await s.until(() => s.last?.closed === true);
    expect(s.requests.map((r) => r.t)).toEqual(['login', 'logout']);
    await s.close();
    await settlesTo(baseline, timers);
  });

  it('the engine can log in again after destroy', async () => {
    const s = await server({ hb: HB });
    const { engine } = client(s.url);
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    engine.destroy();
    await expect(engine.loginRoom('r1', 'tok', { userID: 'me' })).resolves.toBe(true);
  });
});

describe('the retry policy and the online hint', () => {
  it('asks the injected policy before each retry; null gives up at once (RECONNECT_FAILED 1002053)', async () => {
    const s = await server({ hb: HB });
    const asked: number[] = [];
    const { engine, rec } = client(s.url, {
      retryPolicy: {
        nextRetryDelayInMs: (ctx) => {
          asked.push(ctx.retryCount);
          return ctx.retryCount < 2 ? 10 : null;
        },
      },
    });
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    s.accepting = false;
    s.last?.kill();
    await rec.waitForState('r1', 'RECONNECT_FAILED');
    expect(asked).toEqual([0, 1, 2]);
    expect(rec.states('r1').at(-1)).toBe('RECONNECT_FAILED:1002053');
  });

  it('a policy that throws is logged and retrying goes on', async () => {
    const s = await server({ hb: HB });
    const lines: string[] = [];
    let calls = 0;
    const { engine, rec } = client(s.url, {
      logLevel: 'error',
      logSink: (_level, message) => lines.push(message),
      retryPolicy: {
        nextRetryDelayInMs: () => {
          calls++;
          if (calls === 1) throw new Error('policy bug');
          return 10;
        },
      },
    });
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    s.last?.kill();
    await rec.waitForState('r1', 'RECONNECTED', { timeoutMs: 10_000 });
    expect(lines.some((l) => l.includes('retry policy threw'))).toBe(true);
  });

  it('the online event retries at once instead of waiting out the backoff', async () => {
    const s = await server({ hb: HB });
    const online = new EventTarget();
    const { engine, rec } = client(s.url, {
      onlineEvents: online,
      retryPolicy: { nextRetryDelayInMs: () => 60_000 },
    });
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    s.last?.kill();
    await rec.waitForState('r1', 'RECONNECTING');
    online.dispatchEvent(new Event('online'));
    await rec.waitForState('r1', 'RECONNECTED', { timeoutMs: 3000 });
  });

  it('debug.simulateNetwork drives RECONNECTING and RECONNECTED for demos', async () => {
    const s = await server({ hb: HB });
    const { engine, rec } = client(s.url);
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    engine.debug.simulateNetwork('down');
    await rec.waitForState('r1', 'RECONNECTING');
    engine.debug.simulateNetwork('up');
    await rec.waitForState('r1', 'RECONNECTED');
    const mark = rec.mark();
    engine.debug.simulateNetwork('silent');
    await rec.waitForState('r1', 'RECONNECTING', { from: mark });
    engine.debug.simulateNetwork('up');
    await rec.waitForState('r1', 'RECONNECTED', { from: mark });
  });
});
