// The HTTP side of the one listener: health, readiness, /dev/token, the page, the upgrade path.

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code } from '@atrium/protocol';
import { parseTokenPayload, verifyToken04 } from '@atrium/token';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { APP_ID, Harness, rawGet, SECRET, TestClient } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('health', () => {
  it('GET /healthz → 200 ok; GET /readyz → 200 while serving', async () => {
    const s = await h.server();
    const health = await fetch(`${s.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    expect((await fetch(`${s.httpUrl}/readyz`)).status).toBe(200);
  });

  it('wsUrl and httpUrl name the bound port', async () => {
    const s = await h.server();
    const port = new URL(s.httpUrl).port;
    expect(Number(port)).toBeGreaterThan(0);
    expect(s.wsUrl).toBe(`ws://127.0.0.1:${port}/ws`);
  });

  it('close() is idempotent and closes the links', async () => {
    const s = await h.server();
    const c = await TestClient.connect(s.wsUrl);
    await c.joined('r1', 'u1');
    await Promise.all([s.close(), s.close()]);
    await s.close();
    await c.whenClosed();
    expect(c.since(0, (f) => f.t === 'bye')).toEqual([{ t: 'bye', code: Code.CONNECTION_INTERRUPTED }]);
    await expect(fetch(`${s.httpUrl}/healthz`)).rejects.toThrow();
  });

  it('upgrades on /ws only', async () => {
    const s = await h.server();
    const ws = new WebSocket(`${s.httpUrl.replace('http', 'ws')}/elsewhere`);
    await new Promise<void>((resolve) => {
      ws.on('error', () => resolve());
      ws.on('close', () => resolve());
    });
    expect(ws.readyState).not.toBe(WebSocket.OPEN);
  });
});

describe('/dev/token', () => {
  it('issues a token for the first app in development mode, usable to log in', async () => {
    const s = await h.server({ devMode: true });
    const res = await fetch(`${s.httpUrl}/dev/token?userID=ann&roomID=hall`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { appID: number; token: string };
    expect(body.appID).toBe(APP_ID);
    const verified = verifyToken04(body.token, SECRET);
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.token.userID).toBe('ann');
    const payload = parseTokenPayload(verified.token.payload);
    expect(payload.ok && payload.privileges.roomID).toBe('hall');
    const c = await h.client(s);
    expect((await c.login('hall', 'ann', { token: body.token })).code).toBe(Code.OK);
  });

  it('400 with a message for bad parameters', async () => {
    const s = await h.server({ devMode: true });
    for (const query of ['', '?userID=', '?userID=a%20b', '?userID=ok&roomID=', '?userID=ok&roomID=a%20b']) {
      const res = await fetch(`${s.httpUrl}/dev/token${query}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/userID|roomID/);
    }
  });

  it('is not served outside development mode', async () => {
    const s = await h.server();
    expect((await fetch(`${s.httpUrl}/dev/token?userID=ann`)).status).toBe(404);
  });
});

describe('the demo page', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atrium-static-'));
    root = join(dir, 'site');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>demo</title>');
    await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'TOP SECRET');
    await symlink(join(dir, 'secret.txt'), join(root, 'link.txt'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and files with their content type', async () => {
    const s = await h.server({ staticDir: root });
    const index = await rawGet(s.httpUrl, '/');
    expect(index).toMatchObject({ status: 200, body: '<!doctype html><title>demo</title>' });
    expect(index.type).toContain('text/html');
    const js = await rawGet(s.httpUrl, '/assets/app.js');
    expect(js).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect(js.type).toContain('text/javascript');
    expect((await rawGet(s.httpUrl, '/assets/')).status).toBe(404);
    expect((await rawGet(s.httpUrl, '/missing.css')).status).toBe(404);
  });

  it('never serves a file outside its directory', async () => {
    const s = await h.server({ staticDir: root });
    for (const path of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..\\secret.txt',
      '/%00',
      '/%E0%A4%A',
      '/link.txt',
      `/${encodeURIComponent(join(dir, 'secret.txt'))}`,
    ]) {
      const res = await rawGet(s.httpUrl, path);
      expect(res.body, path).not.toContain('TOP SECRET');
      expect(res.status, path).toBeGreaterThanOrEqual(400);
    }
  });

  it('says there is no page when its directory is missing, naming no build command of the repository', async () => {
    const s = await h.server({ staticDir: join(dir, 'nope') });
    const res = await rawGet(s.httpUrl, '/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('No page is set up');
    expect(res.body).toContain('/atrium.js');
    // An installed server has no repository to build in.
    expect(res.body).not.toContain('npm run');
    expect((await rawGet(s.httpUrl, '/app.js')).status).toBe(404);
    // A directory without its index.html (a build in progress) says so too.
    const halfBuilt = await h.server({ staticDir: join(root, 'assets') });
    expect((await rawGet(halfBuilt.httpUrl, '/')).body).toContain('No page is set up');
    expect((await rawGet(halfBuilt.httpUrl, '/app.js')).body).toBe('console.log(1)');
  });

  it('names the build command when the missing page is the demo of a checkout', async () => {
    const demo = join(dir, 'demo-checkout');
    await mkdir(demo, { recursive: true });
    await writeFile(join(demo, 'package.json'), JSON.stringify({ name: '@atrium/demo' }));
    const s = await h.server({ staticDir: join(demo, 'dist') });
    const res = await rawGet(s.httpUrl, '/');
    expect(res.body).toContain('not built');
    expect(res.body).toContain('npm run build -w apps/demo');
  });
});
