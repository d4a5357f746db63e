// `/atrium.js`: the SDK's browser build, served at a stable path with revalidation.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sdkScriptFile, sdkScriptHandler } from '../src/http/sdk-script.js';
import { Harness } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

let dir: string;
let http: Server | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atrium-sdk-script-'));
});
afterEach(async () => {
  await new Promise((resolve) => (http === undefined ? resolve(undefined) : http.close(resolve)));
  http = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function serve(file: string | undefined): Promise<string> {
  const handle = sdkScriptHandler(file);
  http = createServer((req, res) => void handle(req, res, new URL(req.url ?? '/', 'http://x')));
  await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/atrium.js`;
}

describe('/atrium.js', () => {
  it('serves the file as JavaScript, revalidated by its ETag', async () => {
    const file = join(dir, 'atrium.js');
    await writeFile(file, 'var Atrium = {};');
    const url = await serve(file);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe('var Atrium = {};');
    const etag = res.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('16');
    // A rebuilt file is served at once, under a new ETag.
    await writeFile(file, 'var Atrium = { v: 2 };');
    const rebuilt = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.headers.get('etag')).not.toBe(etag);
    expect(await rebuilt.text()).toBe('var Atrium = { v: 2 };');
  });

  it('says what is missing when the build is not there', async () => {
    for (const file of [join(dir, 'none.js'), undefined]) {
      const res = await fetch(await serve(file));
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('@atrium/sdk/dist/atrium.js');
      await new Promise((resolve) => http?.close(resolve));
      http = undefined;
    }
  });

  it("is the installed @atrium/sdk's browser build, and a route of every server", async () => {
    expect(sdkScriptFile()).toMatch(new RegExp(`\\${sep}sdk\\${sep}dist\\${sep}atrium\\.js$`));
    const s = await h.server();
    const res = await fetch(`${s.httpUrl}/atrium.js`);
    // Built or not in this checkout, the route answers (the static files' 404 says only "not found").
    expect(await res.text()).not.toBe('not found\n');
  });
});
