// The path a request is routed on is the one it was sent with. A proxy that keeps /metrics or
// /dev/ from the outside matches the normalised path and forwards the target raw: a target our
// URL parsing would read differently (`//x/metrics` as host x, path /metrics) must not reach
// the route the proxy meant to keep closed.

import { afterEach, describe, expect, it } from 'vitest';
import { Harness, rawGet } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

/** Each target is refused (400) with nothing of what the route would have answered in the body. */
async function expectRefused(base: string, paths: string[], answer: string): Promise<void> {
  for (const path of paths) {
    const res = await rawGet(base, path);
    expect(res.status, path).toBe(400);
    expect(res.body, path).not.toContain(answer);
  }
}

describe('request targets', () => {
  it('//host/metrics and other spellings URL parsing would rewrite are refused, not routed to /metrics', async () => {
    const s = await h.server({ staticDir: '/nonexistent-atrium-dir' });
    expect((await rawGet(s.httpUrl, '/metrics')).status).toBe(200);
    await expectRefused(
      s.httpUrl,
      [
        '//host/metrics',
        '//x/metrics',
        '//127.0.0.1/metrics?x=1',
        '/\\x/metrics',
        '/x/../metrics',
        '/./metrics',
        '/metrics/.',
        '/metrics#x',
      ],
      '# HELP',
    );
  });

  it('//x/dev/token does not mint a token', async () => {
    const s = await h.server({ devMode: true, staticDir: '/nonexistent-atrium-dir' });
    expect((await rawGet(s.httpUrl, '/dev/token?userID=u')).status).toBe(200);
    await expectRefused(
      s.httpUrl,
      ['//x/dev/token?userID=u', '//x/dev/token', '/dev\\token?userID=u', '/x/../dev/token'],
      'token',
    );
  });

  it('the admin API and the health checks answer their plain targets as before', async () => {
    const s = await h.server({ staticDir: '/nonexistent-atrium-dir' });
    expect((await rawGet(s.httpUrl, '/healthz')).status).toBe(200);
    expect((await rawGet(s.httpUrl, '/?Action=DescribeUserNum')).body).toContain('"Code"');
    expect((await rawGet(s.httpUrl, '/nothing-here')).status).toBe(404);
  });
});
