// docker/nginx.conf is the tested nginx example (docs/examples/nginx-atrium.conf) with only its
// upstream servers and its listen line swapped for the compose file's nodes and nginx's port,
// made by the same function the nginx tests use.

import { adaptExample } from '../support/nginx.js';

export const COMPOSE_NODES = ['atrium-1:8800', 'atrium-2:8800'];

const HEADER = `# docs/examples/nginx-atrium.conf for docker-compose.yml: the same config with the compose
# file's two nodes as upstreams and plain HTTP on port 80 (put TLS in front, or add it here).
# Kept equal to the example, apart from those lines, by test/ship/docker.test.ts.

`;

export function composeNginxConf(example: string): string {
  return HEADER + adaptExample(example, COMPOSE_NODES, 80).replace('listen 127.0.0.1:80;', 'listen 80;');
}
