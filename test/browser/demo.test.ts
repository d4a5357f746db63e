// The demo page in real Chromium against a real server in development mode: login, members,
// broadcast, a dropped link resumed without the others noticing, kicks (duplicate login and
// the admin view), multi-room, and the layout at desktop and phone widths (the state diagram's
// labels inside it).

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from '@atrium/protocol';
import { createRoomServer, type RoomServer } from '@atrium/server';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clippedTexts } from './svg-fit.js';

const DEMO_ROOT = fileURLToPath(new URL('../../apps/demo/', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const APP_ID = 1234567890;
const SECRET = 'fa94dd0f974cf2e293728a526b028271';
const WAIT_MS = 20_000;
const TEST_MS = 60_000;

let outDir: string;
let server: RoomServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'atrium-demo-'));
  await build({
    root: DEMO_ROOT,
    configFile: join(DEMO_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  server = await createRoomServer({
    apps: [{ appID: APP_ID, serverSecret: SECRET }],
    port: 0,
    logLevel: 'silent',
    devMode: true,
    staticDir: outDir,
    // The default heartbeat (5 s): nothing here measures it. At 1 s a link dies after 2 s without
    // a frame while pings go every second, so a second of starvation (Chromium and the server on
    // a loaded 2-core machine) could cut the link the drop test had just resumed: a second
    // RECONNECTING and RECONNECTED.
    // The online count is throttled (30 s by default); the page should show a change promptly here.
    onlineCountIntervalMs: 200,
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
}, 120_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  const errors = pageErrors.splice(0);
  expect(errors, 'errors thrown in the page').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** A fresh browser context (its own storage, like another device) on the page, not yet logged in. */
async function open(
  userID: string,
  roomID: string,
  query = '',
  viewport = { width: 1280, height: 800 },
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${userID}: ${err.message}`));
  await page.goto(
    `${server.httpUrl}/?user=${encodeURIComponent(userID)}&room=${encodeURIComponent(roomID)}${query}`,
  );
  await page.getByTestId('mode').and(page.locator('[data-dev="true"]')).waitFor({ timeout: WAIT_MS });
  return page;
}

async function text(locator: Locator): Promise<string> {
  return (await locator.textContent({ timeout: WAIT_MS }))?.trim() ?? '';
}

/** Waits until the room's state element reads `reason`, and returns its code. */
async function stateOf(page: Page, roomID: string, reason: string): Promise<number> {
  try {
    await expect.poll(() => text(page.getByTestId(`state-${roomID}`)), { timeout: WAIT_MS }).toBe(reason);
  } catch (err) {
    const shown = await text(room(page, roomID).getByTestId('state-line'));
    throw new Error(`room ${roomID}: waited for ${reason}, the page shows "${shown}"`, { cause: err });
  }
  return Number(await text(page.getByTestId(`code-${roomID}`)));
}

async function login(userID: string, roomID: string, query = ''): Promise<Page> {
  const page = await open(userID, roomID, query);
  await page.getByTestId('login-button').click();
  expect(await stateOf(page, roomID, 'LOGINED')).toBe(Code.OK);
  return page;
}

function room(page: Page, roomID: string): Locator {
  return page.getByTestId(`room-${roomID}`);
}

/** The reasons a room went through, oldest first (the panel lists them newest first). */
async function reasonsOf(page: Page, roomID: string): Promise<string[]> {
  const items = page.getByTestId(`transitions-${roomID}`).getByTestId('transition');
  const reasons = await items.evaluateAll((els) => els.map((el) => el.getAttribute('data-reason') ?? ''));
  return reasons.reverse();
}

describe('demo page', () => {
  it(
    'two users in one room see each other, and a broadcast arrives',
    async () => {
      const ann = await login('ann', 'lobby');
      const bob = await login('bob', 'lobby');
      await room(ann, 'lobby').getByTestId('member-bob').waitFor({ timeout: WAIT_MS });
      await room(bob, 'lobby').getByTestId('member-ann').waitFor({ timeout: WAIT_MS });
      await expect.poll(() => text(ann.getByTestId('count-lobby')), { timeout: WAIT_MS }).toBe('2');

      await room(ann, 'lobby').getByTestId('chat-input').fill('hello from ann');
      await room(ann, 'lobby').getByTestId('send-broadcast').click();
      const arrived = room(bob, 'lobby').locator(
        '[data-testid="chat-message"][data-from="ann"][data-mine="false"]',
      );
      await arrived.filter({ hasText: 'hello from ann' }).waitFor({ timeout: WAIT_MS });
      await bob.getByTestId('event-log').locator('[data-event="IMRecvBroadcastMessage"]').first().waitFor();

      // The diagram lights exactly the current reason.
      const lit = room(ann, 'lobby').locator('[data-active="true"]');
      expect(await lit.count()).toBe(1);
      expect(await lit.getAttribute('data-testid')).toBe('node-LOGINED');
    },
    TEST_MS,
  );

  it(
    'drop link: RECONNECTING then RECONNECTED on the diagram, and the other member sees no DELETE',
    async () => {
      const ann = await login('ann', 'resume');
      const bob = await login('bob', 'resume');
      await room(bob, 'resume').getByTestId('member-ann').waitFor({ timeout: WAIT_MS });

      const drop = ann.getByTestId('net-drop');
      expect(await drop.isEnabled(), `network buttons disabled: ${await drop.getAttribute('title')}`).toBe(
        true,
      );
      await drop.click();
      expect(await stateOf(ann, 'resume', 'RECONNECTED')).toBe(Code.OK);
      expect(await reasonsOf(ann, 'resume')).toEqual(['LOGINING', 'LOGINED', 'RECONNECTING', 'RECONNECTED']);
      const reconnecting = ann.getByTestId('transitions-resume').locator('[data-reason="RECONNECTING"]');
      expect(await reconnecting.getAttribute('data-code')).toBe(String(Code.CONNECTION_INTERRUPTED));
      expect(await room(ann, 'resume').getByTestId('node-RECONNECTED').getAttribute('data-active')).toBe(
        'true',
      );

      // Events of a room arrive in order, so once a message sent after the resume has reached
      // bob, any DELETE the cut had caused would have reached him before it.
      await room(ann, 'resume').getByTestId('chat-input').fill('back again');
      await room(ann, 'resume').getByTestId('send-broadcast').click();
      await room(bob, 'resume')
        .getByTestId('chat-message')
        .filter({ hasText: 'back again' })
        .waitFor({ timeout: WAIT_MS });
      const userUpdates = await bob
        .getByTestId('event-log')
        .locator('[data-event="roomUserUpdate"]')
        .evaluateAll((els) => els.map((el) => el.textContent ?? ''));
      expect(userUpdates.filter((t) => t.includes('"DELETE"'))).toEqual([]);
      await room(bob, 'resume').getByTestId('member-ann').waitFor({ timeout: WAIT_MS });
    },
    TEST_MS,
  );

  it(
    'the same user in a second tab kicks the first: KICKOUT 1002050',
    async () => {
      const first = await login('ann', 'dup');
      await login('ann', 'dup');
      expect(await stateOf(first, 'dup', 'KICKOUT')).toBe(Code.KICKED_DUPLICATE_LOGIN);
      expect(await room(first, 'dup').getByTestId('node-KICKOUT').getAttribute('data-active')).toBe('true');
    },
    TEST_MS,
  );

  it(
    'the admin view kicks a member: KICKOUT 1002055',
    async () => {
      const ann = await login('ann', 'kick');
      const bob = await login('bob', 'kick');
      const kick = bob.getByTestId('admin-room-kick').getByTestId('admin-kick-ann');
      const unavailable = bob.getByTestId('admin-error').and(bob.locator('[data-unavailable="true"]'));
      await kick.or(unavailable).waitFor({ timeout: WAIT_MS });
      expect(await unavailable.count(), await text(bob.getByTestId('admin-error'))).toBe(0);
      await kick.click();
      expect(await stateOf(ann, 'kick', 'KICKOUT')).toBe(Code.KICKED_BY_BACKEND);
      await room(bob, 'kick').getByTestId('member-ann').waitFor({ state: 'detached', timeout: WAIT_MS });
    },
    TEST_MS,
  );

  it(
    'multi-room: one engine in two rooms, each panel with its own state and members',
    async () => {
      const ann = await login('ann', 'east', '&multi=1');
      await ann.getByTestId('add-room-id').fill('west');
      await ann.getByTestId('add-room-button').click();
      expect(await stateOf(ann, 'west', 'LOGINED')).toBe(Code.OK);
      await login('bob', 'west');
      await room(ann, 'west').getByTestId('member-bob').waitFor({ timeout: WAIT_MS });
      expect(await room(ann, 'east').getByTestId('member-bob').count()).toBe(0);
      await room(ann, 'east').getByTestId('logout-button').click();
      expect(await stateOf(ann, 'east', 'LOGOUT')).toBe(Code.OK);
      expect(await text(ann.getByTestId('state-west'))).toBe('LOGINED');
    },
    TEST_MS,
  );

  it(
    'fits 1280×800 and a 390 px phone without horizontal scrolling (screenshots in test-results/)',
    async () => {
      await mkdir(ARTIFACTS, { recursive: true });
      for (const viewport of [
        { width: 1280, height: 800 },
        { width: 390, height: 844 },
      ]) {
        const page = await open(`shot${viewport.width}`, 'gallery', '', viewport);
        await page.getByTestId('login-button').click();
        expect(await stateOf(page, 'gallery', 'LOGINED')).toBe(Code.OK);
        const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        expect(widths[0], 'page width').toBeLessThanOrEqual(viewport.width);
        // No label of the state diagram cut off (every transition's label: test/browser/diagram.test.ts).
        const diagram = room(page, 'gallery').getByTestId('diagram');
        expect(await diagram.evaluate(clippedTexts), `diagram at ${viewport.width} px`).toEqual([]);
        await page.screenshot({
          path: join(ARTIFACTS, `demo-${viewport.width}x${viewport.height}.png`),
          animations: 'disabled',
        });
      }
    },
    TEST_MS,
  );
});
