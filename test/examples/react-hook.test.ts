// examples/react/use-room.ts with real React (react-dom in StrictMode, development build) in real
// Chromium, on a real engine against a development server: the hooks follow the room's state and
// members as they change, start over when the roomID changes, and leave no listener behind.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RoomServer } from '@atrium/server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ID, joined, World } from '../support/world.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const source = (pkg: string) => fileURLToPath(new URL(`../../packages/${pkg}/src/index.ts`, import.meta.url));
const WAIT_MS = 15_000;

interface Example {
  show(roomID: string): void;
  unmount(): void;
  login(roomID: string): Promise<boolean>;
  logout(roomID: string): Promise<void>;
  listening(): Record<string, number>;
}
declare const example: Example;

const world = new World();
let outDir: string;
let server: RoomServer;
let browser: Browser;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'atrium-react-'));
  await build({
    configFile: false,
    root: HERE,
    logLevel: 'warn',
    // React's development build: StrictMode then runs every effect twice, its cleanup between.
    define: { 'process.env.NODE_ENV': '"development"' },
    resolve: { alias: { '@atrium/sdk': source('sdk'), '@atrium/protocol': source('protocol') } },
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: join(HERE, 'react-page.ts'), formats: ['iife'], name: 'page', fileName: () => 'page.js' },
    },
  });
  await writeFile(
    join(outDir, 'index.html'),
    '<link rel="icon" href="data:,"><div id="root"></div><script src="page.js"></script>\n',
  );
  server = await world.server({ devMode: true, staticDir: outDir });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await world.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const pageErrors = new Map<Page, string[]>();

async function open(userID: string): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.goto(`${server.httpUrl}/?user=${userID}&appID=${APP_ID}`);
  await page.locator('body[data-ready="true"]').waitFor({ timeout: WAIT_MS });
  return page;
}

/** Closes the page, which must have thrown or logged no error (React reports a bad hook there). */
async function close(page: Page): Promise<void> {
  await page.close();
  expect(pageErrors.get(page), 'errors in the page').toEqual([]);
}

const shown = (page: Page) => page.getByTestId('state').textContent({ timeout: WAIT_MS });
const users = (page: Page) => page.getByTestId('user').allTextContents();

describe('examples/react/use-room.ts', () => {
  it('useRoomState and useRoomUsers follow logins, joins, leaves and a change of room', async () => {
    const page = await open('ann');
    await page.evaluate(() => example.show('east'));
    expect(await shown(page)).toBe('LOGOUT 0');
    await page.evaluate(() => example.login('east'));
    await expect.poll(() => shown(page), { timeout: WAIT_MS }).toBe('LOGINED 0');

    const bob = await joined(world, server, 'east', 'bob');
    await expect.poll(() => users(page), { timeout: WAIT_MS }).toEqual(['bob']);
    await joined(world, server, 'east', 'cy');
    await expect.poll(() => users(page), { timeout: WAIT_MS }).toEqual(['bob', 'cy']);
    await bob.engine.logoutRoom('east');
    await expect.poll(() => users(page), { timeout: WAIT_MS }).toEqual(['cy']);

    // Another room: its own state and members; east's events no longer reach the component.
    await page.evaluate(() => example.show('west'));
    expect(await shown(page)).toBe('LOGOUT 0');
    expect(await users(page)).toEqual([]);
    await joined(world, server, 'east', 'dee');
    await page.evaluate(() => example.login('west'));
    await expect.poll(() => shown(page), { timeout: WAIT_MS }).toBe('LOGINED 0');
    expect(await users(page)).toEqual([]);

    // Back to east, still logged in there: its state at once, its members as they change from now.
    await page.evaluate(() => example.show('east'));
    expect(await shown(page)).toBe('LOGINED 0');
    await page.evaluate(() => example.logout('east'));
    await expect.poll(() => shown(page), { timeout: WAIT_MS }).toBe('LOGOUT 0');
    await close(page);
  });

  it('a kick shows KICKOUT with its code and empties the member list', async () => {
    const page = await open('eve');
    await page.evaluate(() => example.show('north'));
    await page.evaluate(() => example.login('north'));
    await joined(world, server, 'north', 'fay');
    await expect.poll(() => users(page), { timeout: WAIT_MS }).toEqual(['fay']);
    await joined(world, server, 'north', 'eve'); // the same user elsewhere
    await expect.poll(() => shown(page), { timeout: WAIT_MS }).toBe('KICKOUT 1002050');
    expect(await users(page)).toEqual([]);
    await close(page);
  });

  it('every listener the hooks add (StrictMode mounts twice) is taken off on a change of room and on unmount', async () => {
    const page = await open('gus');
    await page.evaluate(() => example.show('south'));
    await expect
      .poll(() => page.evaluate(() => example.listening()))
      .toEqual({
        roomStateChanged: 2,
        roomUserUpdate: 1,
      });
    await page.evaluate(() => example.show('other'));
    expect(await shown(page)).toBe('LOGOUT 0');
    expect(await page.evaluate(() => example.listening())).toEqual({
      roomStateChanged: 2,
      roomUserUpdate: 1,
    });
    await page.evaluate(() => example.unmount());
    expect(await page.evaluate(() => example.listening())).toEqual({});
    await close(page);
  });
});
