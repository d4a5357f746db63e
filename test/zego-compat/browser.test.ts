// The ZEGO compatibility suite in real Chromium: the SDK's browser bundle (built here with Vite,
// the browser's own WebSocket, never the `ws` package) runs every scenario of suite.ts in a page,
// against a real server; tokens and kicks come from this side, as from the app's backend.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { isBuiltin } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { build, type Plugin } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APP_ID, type Backend, startBackend } from './backend.js';
import type { Outcome } from './browser-entry.js';
import { scenarios } from './suite.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const source = (pkg: string) => fileURLToPath(new URL(`../../packages/${pkg}/src/index.ts`, import.meta.url));
const BUNDLE = 'zego-compat.js';
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><script src="/${BUNDLE}"></script></head><body></body></html>`;
const TEST_MS = 45_000;

/** The bundle is for browsers: a Node module or the `ws` package reaching it is a bug in an import chain. */
function browserOnly(): Plugin {
  return {
    name: 'zego-compat-browser-only',
    enforce: 'pre',
    resolveId(id, importer) {
      if (isBuiltin(id)) this.error(`Node module "${id}" imported by ${importer ?? 'the entry'}`);
      return null;
    },
    load(id) {
      if (/[\\/]node_modules[\\/]ws[\\/]/.test(id))
        this.error(`the Node 'ws' package reached the bundle: ${id}`);
      return null;
    },
  };
}

let outDir: string;
let bundle: string;
let http: Server;
let pageUrl: string;
let backend: Backend;
let browser: Browser;
let context: BrowserContext;
const pageErrors: string[] = [];

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'atrium-zego-compat-'));
  await build({
    configFile: false,
    root: HERE,
    logLevel: 'warn',
    plugins: [browserOnly()],
    resolve: { alias: { '@atrium/sdk': source('sdk'), '@atrium/protocol': source('protocol') } },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      lib: {
        entry: join(HERE, 'browser-entry.ts'),
        formats: ['iife'],
        name: 'zegoCompatBundle',
        fileName: () => BUNDLE,
      },
    },
  });
  bundle = await readFile(join(outDir, BUNDLE), 'utf8');
  http = createServer((req, res) => {
    const js = req.url === `/${BUNDLE}`;
    res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
    res.end(js ? bundle : PAGE);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  backend = await startBackend();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
  context = await browser.newContext();
  await context.exposeFunction('zegoCompatToken', (userID: string, canPublish?: boolean) =>
    backend.token(userID, canPublish),
  );
  await context.exposeFunction('zegoCompatKick', (roomID: string, userID: string, reason: string) =>
    backend.kick(roomID, userID, reason),
  );
}, 120_000);

afterEach(() => {
  const errors = pageErrors.splice(0);
  expect(errors, 'errors thrown in the page').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await backend?.close();
  await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('ZEGO compatibility (Chromium, browser bundle)', () => {
  it('the bundle leaves the ws package out (the SDK maps it to nothing for browsers)', () => {
    expect(bundle).toContain('__vite-browser-external');
    expect(bundle).not.toContain('Sec-WebSocket-Key');
  });

  for (const name of Object.keys(scenarios)) {
    it(
      name,
      async () => {
        // A fresh page per scenario: nothing one leaves behind reaches the next.
        const page = await context.newPage();
        page.on('pageerror', (err) => pageErrors.push(err.message));
        // Playwright sees the browser's own WebSockets only: every scenario logs in through one.
        const sockets: string[] = [];
        page.on('websocket', (ws) => sockets.push(ws.url()));
        try {
          await page.goto(pageUrl);
          const outcome: Outcome = await page.evaluate(
            ([n, server, appID]) => window.zegoCompat.run(n, server, appID),
            [name, backend.server.wsUrl, APP_ID] as const,
          );
          if (!outcome.ok) throw new Error(`in Chromium: ${outcome.message}`);
          expect(sockets.length, 'browser WebSockets opened').toBeGreaterThan(0);
          for (const url of sockets) expect(url.startsWith(backend.server.wsUrl), url).toBe(true);
        } finally {
          await page.close();
        }
      },
      TEST_MS,
    );
  }
});
