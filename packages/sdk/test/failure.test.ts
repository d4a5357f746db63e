// Failures that say why: what each socket error means, the cause carried in LOGIN_FAILED /
// RECONNECT_FAILED's extendedData and in the debug log, and a first login that finds nothing
// listening failing fast instead of at the end of its window. Real sockets on loopback.
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { Code } from '@atrium/protocol';
import { describe, expect, it } from 'vitest';
import { failureOfClose, failureOfError, failureOfTimeout } from '../src/failure.js';
import { rejection, useHarness } from './harness.js';

const { server, client, onCleanup } = useHarness();

async function listening(srv: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => srv.close(() => r())));
  return (srv.address() as { port: number }).port;
}

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function failedExt(
  rec: { of(event: 'roomStateChanged', roomID: string): readonly (readonly unknown[])[] },
  reason: string,
): string {
  const hit = rec.of('roomStateChanged', 'r1').find((a) => a[1] === reason);
  return String(hit?.[3] ?? '');
}

describe('what a socket error means', () => {
  const url = 'ws://h:1/ws';
  it('tells refused, no such host, TLS and an HTTP answer apart, from ws error events', () => {
    const err = (code: string, message = '') => ({ error: Object.assign(new Error(message), { code }) });
    expect(failureOfError(err('ECONNREFUSED'), url)).toMatchObject({ kind: 'refused' });
    expect(failureOfError(err('ENOTFOUND'), url)).toMatchObject({ kind: 'dns' });
    expect(failureOfError(err('EAI_AGAIN'), url)).toMatchObject({ kind: 'dns' });
    expect(failureOfError(err('CERT_HAS_EXPIRED'), url)).toMatchObject({ kind: 'tls' });
    expect(failureOfError(err('ERR_SSL_WRONG_VERSION_NUMBER'), url)).toMatchObject({ kind: 'tls' });
    expect(failureOfError(err('', 'Unexpected server response: 404'), url)).toMatchObject({
      kind: 'http',
      text: 'ws://h:1/ws answered the WebSocket upgrade with HTTP 404',
    });
    // A browser's error event says nothing, and the words say so.
    expect(failureOfError({ type: 'error' }, url).text).toMatch(/browser hides/);
    expect(failureOfClose(1006, url)).toMatchObject({ kind: 'closed' });
    expect(failureOfTimeout(url, 900).text).toBe('no answer from ws://h:1/ws within 900 ms');
  });
});

describe('LOGIN_FAILED and RECONNECT_FAILED say why', () => {
  it('nothing listening at any URL: the first login fails after loginRefusedRounds, long before its window', async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    const lines: string[] = [];
    const { engine, rec } = client([`ws://127.0.0.1:${a}/ws`, `ws://127.0.0.1:${b}/ws`], {
      logLevel: 'debug',
      logSink: (_level, message) => lines.push(message),
    });
    const started = Date.now();
    const err = await rejection(engine.loginRoom('r1', 'tok', { userID: 'me' }));
    expect(err.code).toBe(Code.NETWORK_BROKEN);
    // 3 rounds of 2 URLs with the default backoff: seconds at most, not the 30 s window.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(failedExt(rec, 'LOGIN_FAILED')).toMatch(/^connection refused by ws:\/\/127\.0\.0\.1:\d+\/ws/);
    expect(lines.filter((l) => l.includes('connection refused by')).length).toBeGreaterThanOrEqual(6);
  });

  it('a URL that answers the upgrade with HTTP 404 (a wrong path): LOGIN_FAILED at the window, naming the status', async () => {
    const port = await listening(
      createHttpServer((_req, res) => {
        res.writeHead(404).end('not here');
      }),
    );
    const { engine, rec } = client(`ws://127.0.0.1:${port}/wrong`, { loginTimeoutMs: 1000 });
    const err = await rejection(engine.loginRoom('r1', 'tok', { userID: 'me' }));
    expect(err.code).toBe(Code.NETWORK_BROKEN);
    expect(failedExt(rec, 'LOGIN_FAILED')).toMatch(/answered the WebSocket upgrade with HTTP 404/);
  });

  it('wss:// to a server that does not speak TLS: the cause is a TLS failure', async () => {
    const port = await listening(createHttpServer((_req, res) => res.end()));
    const { engine, rec } = client(`wss://127.0.0.1:${port}/ws`, { loginTimeoutMs: 1000 });
    await rejection(engine.loginRoom('r1', 'tok', { userID: 'me' }));
    expect(failedExt(rec, 'LOGIN_FAILED')).toMatch(/^TLS failed \(/);
  });

  it('a server that accepts and never answers: the cause is the timeout', async () => {
    // Holds every connection open, saying nothing; cut at the end so the server can close.
    const held = new Set<import('node:net').Socket>();
    const port = await listening(createServer((socket) => held.add(socket)));
    onCleanup(() => {
      for (const socket of held) socket.destroy();
    });
    const { engine, rec } = client(`ws://127.0.0.1:${port}/ws`, {
      loginTimeoutMs: 1000,
      connectTimeoutMs: 300,
    });
    await rejection(engine.loginRoom('r1', 'tok', { userID: 'me' }));
    expect(failedExt(rec, 'LOGIN_FAILED')).toMatch(
      /^no answer from ws:\/\/127\.0\.0\.1:\d+\/ws.* within 300 ms$/,
    );
  });

  it('loginRefusedRounds: 0 keeps a first login trying for its whole window', async () => {
    const port = await closedPort();
    const { engine } = client(`ws://127.0.0.1:${port}/ws`, { loginTimeoutMs: 1500, loginRefusedRounds: 0 });
    const started = Date.now();
    await rejection(engine.loginRoom('r1', 'tok', { userID: 'me' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('reconnecting never fails fast; when its window runs out, RECONNECT_FAILED names the last cause', async () => {
    const s = await server();
    const { engine, rec } = client(s.url, { reconnectWindowMs: 1500 });
    await engine.loginRoom('r1', 'tok', { userID: 'me' });
    await s.close();
    await rec.waitForState('r1', 'RECONNECT_FAILED', { timeoutMs: 10_000 });
    const failed = rec.of('roomStateChanged', 'r1').find((a) => a[1] === 'RECONNECT_FAILED');
    expect(failed?.[2]).toBe(Code.NETWORK_BROKEN);
    expect(String(failed?.[3])).toMatch(/^connection refused by /);
  });
});
