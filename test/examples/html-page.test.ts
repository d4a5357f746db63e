// examples/html/index.html as its comment says to run it: the built `atrium serve` in development
// mode with ATRIUM_STATIC_DIR=examples/html, the page opened in real Chromium. It loads the SDK
// from /atrium.js and its token from /dev/token, and shows the room's state, its members and its
// broadcasts while an SDK client in Node.js joins, chats and leaves.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BroadcastMessageInfo, RoomEngine } from '@atrium/sdk';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, outputOf, stopChild, track } from '../support/children.js';
import { Recorder } from '../support/recorder.js';
import { until } from '../support/until.js';
import { APP_ID, SECRET } from '../support/world.js';
import { buildSdkForBrowsers } from './sdk-browser-build.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WAIT_MS = 15_000;

let httpUrl: string;
let stopServer: () => Promise<void>;
let browser: Browser;
const engines: RoomEngine[] = [];

beforeAll(async () => {
  await buildSdkForBrowsers();
  const child = track(
    spawn(
      process.execPath,
      [
        join(ROOT, 'packages/server/bin/atrium.js'),
        'serve',
        '--port',
        '0',
        '--dev-app-id',
        String(APP_ID),
        '--dev-secret',
        SECRET,
      ],
      // At the repository's root with the README's relative path; the dev app is given, so no
      // .atrium-dev.json is made there.
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ATRIUM_STATIC_DIR: 'examples/html' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  const output = outputOf(child, 100_000);
  const url = () => /page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output())?.[1];
  await Promise.race([
    until(() => url() !== undefined, { timeoutMs: WAIT_MS, failure: () => `no URL printed: ${output()}` }),
    exitOf(child, (code) => `atrium serve exited with ${code}: ${output()}`),
  ]);
  httpUrl = url() as string;
  stopServer = () => stopChild(child, 'SIGTERM');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking'],
  });
}, 60_000);

afterAll(async () => {
  for (const engine of engines) engine.destroy();
  await browser?.close();
  await stopServer?.();
});

/** An SDK client in Node.js, logged in with a token from the same /dev/token the page uses. */
async function nodeClient(userID: string, roomID: string) {
  const res = await fetch(`${httpUrl}/dev/token?userID=${userID}&roomID=${roomID}`);
  const { appID, token } = (await res.json()) as { appID: number; token: string };
  const engine = new RoomEngine(appID, `${httpUrl.replace(/^http/, 'ws')}/ws`, { logLevel: 'silent' });
  engines.push(engine);
  const rec = new Recorder(engine);
  await engine.loginRoom(roomID, token, { userID, userName: `${userID} in Node` }, { userUpdate: true });
  return { engine, rec };
}

describe('examples/html/index.html', () => {
  it('logs in from a plain page and shows the state, members and broadcasts as they change', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${httpUrl}/?user=ann&room=lobby`);
    const state = page.locator('#state');
    await expect.poll(() => state.textContent(), { timeout: WAIT_MS }).toBe('LOGINED');
    expect(await page.locator('#members li').allTextContents()).toEqual(['ann (you)']);

    const bob = await nodeClient('bob', 'lobby');
    await page.locator('#members li[data-user-id="bob"]').waitFor({ timeout: WAIT_MS });
    expect(await page.locator('#members li[data-user-id="bob"]').textContent()).toBe('bob in Node');

    await bob.engine.sendBroadcastMessage('lobby', 'hi ann, from Node');
    await page.locator('#messages li[data-from="bob"]').waitFor({ timeout: WAIT_MS });
    expect(await page.locator('#messages li').allTextContents()).toEqual(['bob: hi ann, from Node']);

    await page.locator('#text').fill('hello bob');
    await page.getByRole('button', { name: 'Broadcast' }).click();
    const [, messages] = await bob.rec.waitFor('IMRecvBroadcastMessage');
    expect((messages as BroadcastMessageInfo[]).map((m) => [m.fromUser.userID, m.message])).toEqual([
      ['ann', 'hello bob'],
    ]);
    await page.locator('#messages li[data-from="ann"]').waitFor();

    await bob.engine.logoutRoom('lobby');
    await page.locator('#members li[data-user-id="bob"]').waitFor({ state: 'detached', timeout: WAIT_MS });
    expect(await state.textContent()).toBe('LOGINED');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a second tab as the same user kicks the first, which shows KICKOUT and its code', async () => {
    const first = await browser.newPage();
    await first.goto(`${httpUrl}/?user=cy&room=dup`);
    await expect.poll(() => first.locator('#state').textContent(), { timeout: WAIT_MS }).toBe('LOGINED');
    const second = await browser.newPage();
    await second.goto(`${httpUrl}/?user=cy&room=dup`);
    await expect.poll(() => first.locator('#state').textContent(), { timeout: WAIT_MS }).toBe('KICKOUT');
    expect(await first.locator('#detail').textContent()).toMatch(/^1002050 /);
    expect(await second.locator('#state').textContent()).toBe('LOGINED');
    await Promise.all([first.close(), second.close()]);
  });
});
