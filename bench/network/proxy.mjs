// A TCP proxy in its own process between the load clients and the server, after the idea of
// test/support/fault-proxy.ts: `down` cuts every link with a reset and refuses new ones (the
// network is gone), `up` lets links through again, `reset` cuts the open links only. argv[2] is
// JSON `{ target: port, localAddresses }`: upstream links leave from those loopback addresses.

import { connect, createServer } from 'node:net';
import { serveParent } from '../lib/child.mjs';

const { target, localAddresses } = JSON.parse(process.argv[2]);
const links = new Set();
let refusing = false;
let accepted = 0;
let turn = 0;

function cut(link) {
  links.delete(link);
  if (!link.client.destroyed) link.client.resetAndDestroy();
  if (!link.upstream.destroyed) link.upstream.resetAndDestroy();
}

const server = createServer({ noDelay: true }, (client) => {
  accepted++;
  if (refusing) {
    client.on('error', () => {});
    client.resetAndDestroy();
    return;
  }
  const upstream = connect({
    port: target,
    host: '127.0.0.1',
    localAddress: localAddresses[turn++ % localAddresses.length],
    noDelay: true,
  });
  const link = { client, upstream };
  links.add(link);
  client.pipe(upstream);
  upstream.pipe(client);
  const drop = () => {
    if (!links.has(link)) return;
    links.delete(link);
    client.destroy();
    upstream.destroy();
  };
  client.on('close', drop).on('error', drop);
  upstream.on('close', drop).on('error', drop);
});
// Two descriptors per link, and the open-files limit is 20,000 per process.
server.maxConnections = 9_500;

await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
const { port } = server.address();

const ready = serveParent({
  down: async () => {
    refusing = true;
    const n = links.size;
    for (const link of [...links]) cut(link);
    return { cut: n };
  },
  up: async () => {
    refusing = false;
    return true;
  },
  reset: async () => {
    const n = links.size;
    for (const link of [...links]) cut(link);
    return { cut: n };
  },
  stats: async () => ({ open: links.size, accepted }),
});
ready({ port });
