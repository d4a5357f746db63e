// Slow HTTP: requests whose headers, or admin API bodies, trickle in a byte at a time, each
// holding a connection for as long as the server lets it. Headers that have not arrived by
// httpHeadersTimeoutMs, and an admin body not there adminBodyTimeoutMs after its headers, are
// answered 408 and the connection closed; meanwhile /healthz answers, a newcomer logs in and the
// probe never stalls.

import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { joined, World } from '../support/world.js';
import { RSS_GROWTH_BOUND_MB, STALL_BOUND_MS, useRig } from './support/rig.js';

const HEADERS_TIMEOUT_MS = 2000;
const BODY_TIMEOUT_MS = 1000;
const SLOW = 100;

const world = new World();

const rig = useRig(
  {
    httpHeadersTimeoutMs: HEADERS_TIMEOUT_MS,
    httpRequestTimeoutMs: 2 * HEADERS_TIMEOUT_MS,
    adminBodyTimeoutMs: BODY_TIMEOUT_MS,
  },
  { cleanUp: () => world.close() },
);

/**
 * Writes `head` at once, then one byte of `trickle` every 200 ms; resolves with what the server
 * answered and when (ms since the start) the connection closed.
 */
function trickle(
  head: string,
  drip: string,
  address: string,
): Promise<{ answer: string; closedAfterMs: number }> {
  const { port } = new URL(rig.server.httpUrl);
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const socket: Socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: address });
    let answer = '';
    let i = 0;
    const timer = setInterval(() => {
      if (i < drip.length) socket.write(drip[i++] ?? '');
    }, 200);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (data) => {
      answer += data.toString();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, closedAfterMs: Date.now() - startedAt });
    });
  });
}

describe('slow HTTP', () => {
  it('headers trickling in are answered 408 within the headers deadline', async () => {
    await rig.probe.reset();
    const rssBefore = rig.server.rssMb();
    const slow = Array.from({ length: SLOW }, (_, i) =>
      trickle(
        i % 2 === 0 ? 'GET /healthz HTTP/1.1\r\n' : 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n',
        'X-Slow: '.padEnd(200, 'a'),
        `127.0.4.${1 + (i % 10)}`,
      ),
    );
    expect((await fetch(`${rig.server.httpUrl}/healthz`)).status).toBe(200);
    await joined(world, rig.server, 'r', 'newcomer');
    const results = await Promise.all(slow);
    const longest = Math.max(...results.map((r) => r.closedAfterMs));
    console.log(`slow headers: all ${SLOW} closed within ${longest} ms`);
    expect(results.every((r) => r.answer.startsWith('HTTP/1.1 408'))).toBe(true);
    // Node looks for late requests once a second.
    expect(longest).toBeLessThan(HEADERS_TIMEOUT_MS + 2500);
    expect(await rig.server.limited('http_timeout')).toBeGreaterThanOrEqual(SLOW);
    expect((await rig.probe.stats()).maxStallMs).toBeLessThan(STALL_BOUND_MS);
    expect(rig.server.rssMb() - rssBefore).toBeLessThan(RSS_GROWTH_BOUND_MB);
  }, 30_000);

  it('an admin body trickling in is answered 408 within the body deadline', async () => {
    const body = 'Action=DescribeUserNum&RoomId[]=r1';
    const { answer, closedAfterMs } = await trickle(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
      '127.0.4.20',
    );
    expect(answer.startsWith('HTTP/1.1 408')).toBe(true);
    expect(closedAfterMs).toBeLessThan(BODY_TIMEOUT_MS + 1500);
    expect(await rig.server.limited('admin_body')).toBe(1);
  }, 30_000);
});
