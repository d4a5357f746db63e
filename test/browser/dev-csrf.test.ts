// Development mode's unsigned /dev/admin against a page of another origin in real Chromium: a
// form post (url-encoded and text/plain), a no-cors fetch and a CORS fetch of JSON all fail to
// close a room, while the server's own page still can.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code } from '@atrium/protocol';
import { createRoomServer, type RoomServer } from '@atrium/server';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../../packages/server/test/helpers.js';

const APP_ID = 1234567890;
const SECRET = 'fa94dd0f974cf2e293728a526b028271';

let server: RoomServer;
let evil: Server;
let evilUrl: string;
let browser: Browser;

/** The attacker's pages: each tries to close room `hall` on the development server. */
function attackPage(kind: string, target: string): string {
  const action = `${target}/dev/admin?Action=CloseRoom&AppId=${APP_ID}`;
  switch (kind) {
    case 'form':
      return `<form id=f method=post action="${action}"><input name=RoomId value=hall></form>
        <script>document.getElementById('f').submit()</script>`;
    case 'text-plain':
      // The classic JSON-by-form trick: the body reads {"RoomId":"hall","x":"="}.
      return `<form id=f method=post enctype=text/plain action="${action}">
        <input name='{"RoomId":"hall","x":"' value='"}'></form>
        <script>document.getElementById('f').submit()</script>`;
    case 'no-cors':
      return `<script>
        fetch(${JSON.stringify(action)}, { method: 'POST', mode: 'no-cors',
          headers: { 'content-type': 'application/json' }, body: '{"RoomId":"hall"}' })
          .then(() => { document.title = 'sent' }, () => { document.title = 'failed' });
      </script>`;
    default:
      return `<script>
        fetch(${JSON.stringify(action)}, { method: 'POST',
          headers: { 'content-type': 'application/json' }, body: '{"RoomId":"hall"}' })
          .then(() => { document.title = 'sent' }, () => { document.title = 'failed' });
      </script>`;
  }
}

beforeAll(async () => {
  server = await createRoomServer({
    apps: [{ appID: APP_ID, serverSecret: SECRET }],
    port: 0,
    logLevel: 'silent',
    devMode: true,
    staticDir: '/nonexistent-atrium-dir',
  });
  evil = createServer((req, res) => {
    const kind = new URL(req.url ?? '/', 'http://x').searchParams.get('kind') ?? 'form';
    res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(kind, server.httpUrl));
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  evil?.closeAllConnections();
  await new Promise((resolve) => evil?.close(resolve));
});

describe('a page of another origin', () => {
  it('cannot close a room through /dev/admin, however it posts; the server’s own page can', async () => {
    const ann = await TestClient.connect(server.wsUrl);
    try {
      await ann.joined('hall', 'ann');
      const page = await browser.newPage();
      for (const kind of ['form', 'text-plain']) {
        const answer = page.waitForResponse((r) => r.url().includes('/dev/admin'));
        await page.goto(`${evilUrl}/?kind=${kind}`);
        expect((await answer).status(), kind).toBe(403);
      }
      for (const kind of ['no-cors', 'cors']) {
        await page.goto(`${evilUrl}/?kind=${kind}`);
        await page.waitForFunction(() => document.title === 'sent' || document.title === 'failed');
      }
      // Every attempt has been answered: the member is still there, not kicked.
      await ann.sync();
      expect(ann.frames.filter((f) => f.t === 'kick')).toEqual([]);

      // The page served by the development server itself posts JSON and may.
      await page.goto(`${server.httpUrl}/`);
      const status = await page.evaluate(async () => {
        const res = await fetch('/dev/admin?Action=CloseRoom', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"RoomId":"hall"}',
        });
        return res.status;
      });
      expect(status).toBe(200);
      expect(await ann.waitFor((f) => f.t === 'kick')).toMatchObject({ code: Code.KICKED_BY_BACKEND });
      await page.close();
    } finally {
      await ann.close();
    }
  }, 60_000);
});
