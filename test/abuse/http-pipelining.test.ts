// HTTP/1.1 pipelining without reading the answers, no login needed: connections that each write
// thousands of requests at once and read nothing. Every route answers after an await, so Node's
// own brake (answers piling up unsent) never engages; the server reads a connection no further
// while one of its requests is answered and closes one that pipelines deeper than a few
// requests, on the public listener and the metrics listener alike. Meanwhile the probe never
// stalls and the process does not grow; a client that pipelines a few requests is answered.

import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { RSS_GROWTH_BOUND_MB, STALL_BOUND_MS, useRig } from './support/rig.js';

const CONNECTIONS = 10;
const REQUESTS = 20_000;

const rig = useRig({ metricsPort: 0 });

/**
 * Writes `count` pipelined GETs of `path` on one connection; resolves with what came back once
 * the server closed it, or after `forMs` (then the connection is cut here).
 */
function pipeline(
  url: string,
  path: string,
  count: number,
  { address = '127.0.0.1', read = true, forMs = 3000 } = {},
): Promise<{ answers: number; closedByServer: boolean }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: address });
    let text = '';
    let closedByServer = true;
    const timer = setTimeout(() => {
      closedByServer = false;
      socket.destroy();
    }, forMs);
    socket.on('connect', () => {
      if (!read) socket.pause();
      socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`.repeat(count));
    });
    socket.on('data', (data) => {
      text += data.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answers: text.split('HTTP/1.1 200').length - 1, closedByServer });
    });
  });
}

describe('HTTP pipelining', () => {
  it('deep pipelines that never read are closed; the probe never stalls and the process does not grow', async () => {
    await rig.probe.reset();
    const rssBefore = rig.server.rssMb();
    const attacks = Array.from({ length: CONNECTIONS }, (_, i) =>
      pipeline(rig.server.httpUrl, '/', REQUESTS, {
        address: `127.0.6.${1 + (i % 5)}`,
        read: false,
        forMs: 6000,
      }),
    );
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rig.server.rssMb());
    }, 100);
    const results = await Promise.all(attacks);
    clearInterval(sampler);
    expect(rssPeak - rssBefore).toBeLessThan(RSS_GROWTH_BOUND_MB / 3);
    expect((await rig.probe.stats()).maxStallMs).toBeLessThan(STALL_BOUND_MS);
    expect(results.every((r) => r.closedByServer)).toBe(true);
    expect(await rig.server.limited('http_pipelining')).toBeGreaterThanOrEqual(CONNECTIONS);
  });

  it('the metrics listener closes a deep pipeline too', async () => {
    const metricsUrl = rig.server.metricsUrl ?? '';
    expect(metricsUrl).not.toBe('');
    const result = await pipeline(metricsUrl, '/healthz', 2000, { read: false });
    expect(result.closedByServer).toBe(true);
    await until(async () => (await rig.server.limited('http_pipelining')) >= CONNECTIONS + 1);
  });

  it('a client that pipelines a few requests gets every answer, in order', async () => {
    for (const url of [rig.server.httpUrl, rig.server.metricsUrl ?? '']) {
      const result = await pipeline(url, '/healthz', 4, { forMs: 1000 });
      expect(result.answers).toBe(4);
    }
  });
});
