// destroy() releasing everything, the retry policy seam, and the browser `online` hint.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Code, RoomEngine, type Timers } from '../src/index.js';
import { FakeServer } from './fake-server.js';
import { errorCode, useHarness } from './harness.js';
import { Recorder } from './recorder.js';

const { server, client } = useHarness();
const HB = 200;

/** Counts of the handles this process holds (what would keep Node from exiting), by kind. */
function processHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout')
      counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  return counts;
}

function show(counts: Map<string, number>): string {
  return JSON.stringify(Object.fromEntries([...counts].sort()));
}

/**
 * What one engine holds, exactly: its timers (every SDK timer goes through the `timers`
 * option) and its sockets (every one comes from the `WebSocket` option). The process as a whole
 * is only a net for anything under them, such as a socket's own close timer: vitest's timers
 * (RPCs to the main process) and the sockets of a previous test still closing come and go, so
 * there it is "no more than before the test", not "the same".
 */
function tracked() {
  const pendingTimers = new Set<unknown>();
  const sockets: WebSocket[] = [];
  const timers: Timers = {
    setTimeout(callback, ms) {
      const handle = setTimeout(() => {
        pendingTimers.delete(handle);
        callback();
      }, ms);
      pendingTimers.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      pendingTimers.delete(handle);
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
  class TrackedWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  const before = processHandles();
  const left = () => {
    const open = sockets.filter((ws) => ws.readyState !== WebSocket.CLOSED).length;
    const now = processHandles();
    const above = [...now].filter(([kind, n]) => n > (before.get(kind) ?? 0));
    return { timers: pendingTimers.size, sockets: open, above, now };
  };
  return {
    options: { timers, WebSocket: TrackedWebSocket },
    /** Waits until the engine holds no timer and no open socket, and the process no more than before. */
    async settled(timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (let l = left(); l.timers > 0 || l.sockets > 0 || l.above.length > 0; l = left()) {
        if (Date.now() > deadline) {
          throw new Error(
            `still open: engine timers ${l.timers}, engine sockets ${l.sockets}, process ${show(l.now)} (before ${show(before)})`,
          );
        }
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

describe('destroyEngine (and destroy, its alias)', () => {
  it('logs out of everything and leaves no socket or timer behind, even mid-reconnect', async () => {
    const held = tracked();
    const s = await FakeServer.start({ hb: HB });
    const engine = new RoomEngine(1, s.url, { logLevel: 'silent', ...held.options });
    const rec = new Recorder(engine);
    engine.enableMultiRoom(true);
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    await engine.loginRoom('r2', 'tok', { userID: 'me' });
    s.accepting = false;
    s.last?.kill();
    await rec.waitForState('r2', 'RECONNECTING');
    const queued = errorCode(engine.sendBroadcastMessage('r1', 'never'));
    engine.destroyEngine();
    expect(rec.states('r1').slice(-2)).toEqual(['RECONNECTING:1002051', 'LOGOUT:0']);
    expect(rec.states('r2').at(-1)).toBe('LOGOUT:0');
    expect(await queued).toBe(Code.NOT_LOGGED_IN);
    await s.close();
    await held.settled();
  });

  it('closes a live link gracefully after telling the server, and releases its timers', async () => {
    const held = tracked();
    const s = await FakeServer.start({ hb: HB });
    const engine = new RoomEngine(1, s.url, { logLevel: 'silent', ...held.options });
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    engine.destroy();
    await s.until(() => s.last?.closed === true);
    expect(s.requests.map((r) => r.t)).toEqual(['login', 'logout']);
    await s.close();
    await held.settled();
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
