// The container files against what they build on, without Docker (test/ship/docker.test.ts runs
// them, in CI): the compose file's nginx config is the tested example, and every image the
// Dockerfile and the compose file start from is one test/ship/base-images.sh can stand in for.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NGINX_EXAMPLE } from '../support/nginx.js';
import { composeNginxConf } from './compose-nginx.js';
import { REPO } from './installed.js';

const read = (path: string) => readFile(join(REPO, path), 'utf8');

describe('the container files', () => {
  it('docker/nginx.conf is the tested nginx example with the compose nodes as upstreams', async () => {
    const example = await readFile(NGINX_EXAMPLE, 'utf8');
    expect(await read('docker/nginx.conf')).toBe(composeNginxConf(example));
    expect(await read('docker-compose.yml')).toContain(
      './docker/nginx.conf:/etc/nginx/conf.d/default.conf:ro',
    );
  });

  it('start only from images the stand-ins script builds', async () => {
    const standIns = [...(await read('test/ship/base-images.sh')).matchAll(/local tag=(\S+)/g)].map(
      (m) => m[1],
    );
    const froms = [...(await read('Dockerfile')).matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    const images = [...(await read('docker-compose.yml')).matchAll(/^\s+image: (\S+)$/gm)].map((m) => m[1]);
    const external = [...froms, ...images].filter((i) => !i?.startsWith('${SERVER_IMAGE'));
    expect(new Set(external)).toEqual(new Set(standIns));
    expect(froms[0]).toBe('node:20-bookworm-slim');
  });
});
