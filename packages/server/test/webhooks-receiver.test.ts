// What a webhook receiver may not do to the server: answer with a body it cannot hold (1 GiB),
// redirect signed events elsewhere (307), or have its credentials in the URL fail silently.
// Every failed attempt is logged with its cause.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';
import { webhookTarget } from '../src/webhooks/delivery.js';
import { WebhookReceiver } from './admin-helpers.js';
import { Harness } from './helpers.js';

const h = new Harness();
const servers: Server[] = [];
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await h.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A receiver of our own making: `handle` answers each request as it likes. */
async function rawReceiver(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handle);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

/** The JSON log lines of a server, parsed. */
function logLines(): { lines: Record<string, unknown>[]; logStream: { write(line: string): void } } {
  const lines: Record<string, unknown>[] = [];
  return { lines, logStream: { write: (line: string) => void lines.push(JSON.parse(line)) } };
}

const failures = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.msg === 'webhook attempt failed');

describe('the answer of a receiver', () => {
  it('a 1 GiB body is read up to a small cap and dropped: server memory stays bounded', async () => {
    const MiB = 1024 * 1024;
    const chunk = Buffer.alloc(MiB, 'x');
    let written = 0;
    let requests = 0;
    let cut = false;
    const url = await rawReceiver((req, res) => {
      requests++;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 * MiB });
      res.on('close', () => {
        cut = written < 1024 * MiB;
      });
      const pump = () => {
        while (written < 1024 * MiB && !res.destroyed) {
          written += MiB;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const { lines, logStream } = logLines();
    const s = await h.server({
      webhook: { url, secret: 's', retryDelaysMs: [], timeoutMs: 60_000 },
      logStream,
      logLevel: 'info',
    });
    const before = process.memoryUsage();
    let peak = 0;
    const sample = setInterval(() => {
      const now = process.memoryUsage();
      peak = Math.max(peak, now.arrayBuffers - before.arrayBuffers, now.rss - before.rss);
    }, 5);
    try {
      const ann = await h.client(s);
      await ann.joined('r1', 'ann');
      // room_create, then room_login: the second is only sent once the first's answer is done with.
      await until(() => requests >= 2 && cut, { timeoutMs: 30_000 });
    } finally {
      clearInterval(sample);
    }
    // The server hung up long before the gigabyte: what was written sits in socket buffers.
    expect(written).toBeLessThan(64 * MiB);
    expect(peak).toBeLessThan(256 * MiB);
    expect(failures(lines)).toEqual([]);
  }, 60_000);

  it('a 307 is not followed: a failed attempt, logged with its status, and the other host gets nothing', async () => {
    const elsewhere = await WebhookReceiver.start();
    receivers.push(elsewhere);
    let attempts = 0;
    const url = await rawReceiver((req, res) => {
      attempts++;
      req.resume();
      res.writeHead(307, { location: elsewhere.url }).end();
    });
    const { lines, logStream } = logLines();
    const s = await h.server({
      webhook: { url, secret: 's', retryDelaysMs: [10] },
      logStream,
      logLevel: 'info',
    });
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    await until(() => lines.some((l) => l.msg === 'webhook event given up'));
    // room_create tried twice and given up (room_login may have begun since).
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(failures(lines).filter((l) => l.event === 'room_create')).toHaveLength(2);
    expect(elsewhere.requests).toEqual([]);
    expect(failures(lines).slice(0, 2)).toMatchObject([
      { event: 'room_create', attempt: 1, status: 307, cause: 'HTTP 307 redirect (not followed)' },
      { event: 'room_create', attempt: 2, status: 307 },
    ]);
  });
});

describe('a webhook URL with credentials', () => {
  it('sends them as Authorization: Basic, never in the request line', async () => {
    const seen: { auth: string | undefined; path: string | undefined }[] = [];
    const url = await rawReceiver((req, res) => {
      seen.push({ auth: req.headers.authorization, path: req.url });
      req.resume();
      res.writeHead(200).end();
    });
    const withCredentials = url.replace('http://', 'http://hook%20user:p%40ss:word@');
    const s = await h.server({ webhook: { url: withCredentials, secret: 's', retryDelaysMs: [] } });
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    await until(() => seen.length >= 2);
    const basic = `Basic ${Buffer.from('hook user:p@ss:word').toString('base64')}`;
    expect(seen[0]).toEqual({ auth: basic, path: '/hook' });
    expect(webhookTarget('https://a:b@x.example/h?q=1')).toEqual({
      url: 'https://x.example/h?q=1',
      authorization: `Basic ${Buffer.from('a:b').toString('base64')}`,
    });
    expect(webhookTarget('https://x.example/h')).toEqual({ url: 'https://x.example/h' });
  });
});

describe('every failed attempt', () => {
  it('is logged with its cause: a status, a timeout, a refused connection', async () => {
    let n = 0;
    const url = await rawReceiver((req, res) => {
      req.resume();
      // First a 503, then no answer at all (the attempt times out), then a 200.
      n++;
      if (n === 1) res.writeHead(503).end();
      else if (n === 2) return;
      else res.writeHead(200).end();
    });
    const { lines, logStream } = logLines();
    const s = await h.server({
      webhook: { url, secret: 's', retryDelaysMs: [10, 10], timeoutMs: 200 },
      logStream,
      logLevel: 'info',
    });
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    await until(() => n >= 3);
    await until(() => failures(lines).length >= 2);
    expect(failures(lines)).toMatchObject([
      { event: 'room_create', attempt: 1, status: 503, cause: 'HTTP 503' },
      { event: 'room_create', attempt: 2, cause: 'timeout after 200 ms' },
    ]);

    // Nobody listening: the connection is refused.
    const closed = await rawReceiver(() => {});
    const last = servers.pop();
    await new Promise((resolve) => last?.close(resolve));
    const refused = logLines();
    const t = await h.server({
      webhook: { url: closed, secret: 's', retryDelaysMs: [] },
      logStream: refused.logStream,
      logLevel: 'info',
    });
    const bob = await h.client(t);
    await bob.joined('r2', 'bob');
    await until(() => failures(refused.lines).length >= 1);
    expect(failures(refused.lines)[0]).toMatchObject({ event: 'room_create', cause: 'ECONNREFUSED' });
  });
});
