// /metrics on a listener of its own (metricsPort, metricsHost): off the public port, which
// keeps only the health checks a load balancer probes.

import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('metricsPort', () => {
  it('serves /metrics, /healthz and /readyz on its own listener, and /metrics no more on the public one', async () => {
    const s = await h.server({ metricsPort: 0, staticDir: '/nonexistent-atrium-dir' });
    expect(s.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.metricsUrl).not.toBe(s.httpUrl);
    const scrape = await fetch(`${s.metricsUrl}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('atrium_links');
    expect((await fetch(`${s.metricsUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.metricsUrl}/readyz`)).status).toBe(200);
    // Nothing else there: not the admin API, not the page.
    expect((await fetch(`${s.metricsUrl}/?Action=DescribeUserNum`)).status).toBe(404);
    const publicScrape = await fetch(`${s.httpUrl}/metrics`);
    expect(publicScrape.status).toBe(404);
    expect(await publicScrape.text()).not.toContain('atrium_');
    expect((await fetch(`${s.httpUrl}/healthz`)).status).toBe(200);
    await s.close();
    await expect(fetch(`${s.metricsUrl}/healthz`)).rejects.toThrow();
  });

  it('without it, /metrics stays on the public listener', async () => {
    const s = await h.server();
    expect(s.metricsUrl).toBeUndefined();
    expect((await fetch(`${s.httpUrl}/metrics`)).status).toBe(200);
  });
});
