// Development mode's open endpoints answer only this server's own page on this machine: a form
// another site posts, a JSON body sent as text/plain, a foreign Origin, a foreign Host (DNS
// rebinding) are refused with 403 and change nothing.

import { request } from 'node:http';
import { Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { RoomServer, RoomServerOptions } from '../src/index.js';
import { APP_ID, startServer, TestClient } from './helpers.js';

const servers: RoomServer[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function devServer(devExpose = false, more: Partial<RoomServerOptions> = {}): Promise<RoomServer> {
  const s = await startServer({ devMode: true, devExpose, ...more });
  servers.push(s);
  return s;
}

/** A raw request: unlike fetch, it may set Host, Origin and Sec-Fetch-* as a browser would. */
function raw(
  s: RoomServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; text: string }> {
  const url = new URL(path, s.httpUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const hostOf = (s: RoomServer) => new URL(s.httpUrl).host;

describe('POST /dev/admin', () => {
  it('refuses a cross-origin form post (the room stays open), and what else a foreign page can send', async () => {
    const s = await devServer();
    const ann = await TestClient.connect(s.wsUrl);
    clients.push(ann);
    await ann.joined('hall', 'ann');
    const path = '/dev/admin?Action=CloseRoom';
    const form = `RoomId=hall&AppId=${APP_ID}`;
    // What Chromium sends for <form method=post action=http://127.0.0.1:port/dev/admin?…>.
    const attacks: [Record<string, string>, string][] = [
      [
        {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'http://evil.example',
          'sec-fetch-site': 'cross-site',
        },
        form,
      ],
      // The same without the browser's hints (an older browser): still not JSON.
      [{ 'content-type': 'application/x-www-form-urlencoded' }, form],
      [{ 'content-type': 'multipart/form-data; boundary=x' }, `--x\r\n`],
      // enctype=text/plain makes a body that parses as JSON; its type still says text/plain.
      [{ 'content-type': 'text/plain', origin: 'http://evil.example' }, '{"RoomId":"hall","x":"="}'],
      [{ 'content-type': 'text/plain' }, '{"RoomId":"hall"}'],
      [{}, '{"RoomId":"hall"}'],
      // JSON from another origin, another port of this machine, or a sandboxed frame.
      [{ 'content-type': 'application/json', origin: 'http://evil.example' }, '{"RoomId":"hall"}'],
      [{ 'content-type': 'application/json', origin: 'http://127.0.0.1:1' }, '{"RoomId":"hall"}'],
      [{ 'content-type': 'application/json', origin: 'null' }, '{"RoomId":"hall"}'],
      [{ 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }, '{"RoomId":"hall"}'],
      // DNS rebinding: evil.example now resolves to 127.0.0.1; the page is "same-origin" to itself.
      [
        { 'content-type': 'application/json', host: 'evil.example:8800', origin: 'http://evil.example:8800' },
        '{"RoomId":"hall"}',
      ],
    ];
    for (const [headers, body] of attacks) {
      const res = await raw(s, 'POST', path, headers, body);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.text).toContain('development endpoint refused');
    }
    expect(ann.frames.some((f) => f.t === 'kick')).toBe(false);

    // The page's own call: JSON, same origin.
    const own = await raw(
      s,
      'POST',
      path,
      { 'content-type': 'application/json', origin: `http://${hostOf(s)}`, 'sec-fetch-site': 'same-origin' },
      '{"RoomId":"hall"}',
    );
    expect(own.status).toBe(200);
    expect(JSON.parse(own.text)).toMatchObject({ Code: 0 });
    expect(await ann.waitFor((f) => f.t === 'kick')).toMatchObject({ code: Code.KICKED_BY_BACKEND });
  });
});

describe('GET /dev/token', () => {
  it('answers a loopback Host only, or a name the operator listed', async () => {
    const s = await devServer();
    const path = '/dev/token?userID=ann';
    const port = new URL(s.httpUrl).port;
    expect((await raw(s, 'GET', path, {})).status).toBe(200);
    expect((await raw(s, 'GET', path, { host: `localhost:${port}` })).status).toBe(200);
    expect((await raw(s, 'GET', path, { host: 'evil.example' })).status).toBe(403);
    expect((await raw(s, 'GET', path, { host: `192.168.1.5:${port}` })).status).toBe(403);
    expect((await raw(s, 'GET', path, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const listed = await devServer(false, { devAllowedHosts: ['Atrium.lan'] });
    expect((await raw(listed, 'GET', path, { host: 'atrium.lan:8800' })).status).toBe(200);
    expect((await raw(listed, 'GET', path, { host: 'other.lan:8800' })).status).toBe(403);
  });

  it('exposed on purpose, still refuses a rebound domain name: only loopback, IP addresses and listed names', async () => {
    const exposed = await devServer(true);
    const path = '/dev/token?userID=ann';
    const port = new URL(exposed.httpUrl).port;
    // DNS rebinding: the attacker's name now resolves to this server; the page is its own origin.
    const rebind = await raw(exposed, 'GET', path, {
      host: `rebind.attacker.example:${port}`,
      origin: `http://rebind.attacker.example:${port}`,
      'sec-fetch-site': 'same-origin',
    });
    expect(rebind.status).toBe(403);
    expect(rebind.text).toContain('devAllowedHosts');
    expect(rebind.text).not.toContain('token"');
    const rebindAdmin = await raw(
      exposed,
      'POST',
      '/dev/admin?Action=CloseRoom',
      {
        'content-type': 'application/json',
        host: `rebind.attacker.example:${port}`,
        origin: `http://rebind.attacker.example:${port}`,
      },
      '{"RoomId":"hall"}',
    );
    expect(rebindAdmin.status).toBe(403);
    expect((await raw(exposed, 'GET', path, { host: `atrium.lan:${port}` })).status).toBe(403);
    // Reached by address (a LAN IP, IPv6), as an exposed server is: fine.
    expect((await raw(exposed, 'GET', path, { host: `192.168.1.5:${port}` })).status).toBe(200);
    expect((await raw(exposed, 'GET', path, { host: `[fe80::1]:${port}` })).status).toBe(200);
    const listed = await devServer(true, { devAllowedHosts: ['atrium.lan'] });
    expect((await raw(listed, 'GET', path, { host: `atrium.lan:${port}` })).status).toBe(200);
    expect((await raw(listed, 'GET', path, { host: `rebind.attacker.example:${port}` })).status).toBe(403);
  });

  it('devExpose on a loopback host is logged as a warning; a bad devAllowedHosts is refused', async () => {
    const lines: string[] = [];
    await devServer(true, { logLevel: 'warn', logStream: { write: (line: string) => lines.push(line) } });
    expect(lines.join('')).toContain('devExpose on a loopback host does nothing useful');
    for (const bad of [['atrium.lan:8800'], ['http://atrium.lan'], [''], 'atrium.lan', [7]]) {
      await expect(
        startServer({ devMode: true, devAllowedHosts: bad as never }),
        JSON.stringify(bad),
      ).rejects.toThrow(/^RoomServerOptions\.devAllowedHosts must be an array/);
    }
  });
});
