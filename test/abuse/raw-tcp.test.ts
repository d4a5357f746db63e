// Raw TCP connections that fill the connection cap: from several addresses, each up to its
// share, sockets that send nothing or half a request line, reopened as soon as they are closed.
// Under `ulimit -n 256` (caps: 192 links, 48 per address, 224 connections in all) five addresses
// hold more than the cap. A connection that sends nothing is closed after httpFirstByteTimeoutMs;
// at the cap, a newcomer closes the oldest connection with no request under way instead of being
// refused, so /healthz answers and a newcomer logs in throughout; refused sockets count and are
// dropped at once near the limit, so the process never runs out of descriptors.

import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawLink, rawLogin, type ServerProcess, startServer } from './support/rig.js';

const FD_LIMIT = 256;
const PER_IP = 48;
const ADDRESSES = ['127.0.9.1', '127.0.9.2', '127.0.9.3', '127.0.9.4', '127.0.9.5'];

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ httpFirstByteTimeoutMs: 2000 }, { fdLimit: FD_LIMIT });
});

afterAll(async () => {
  await server?.stop();
});

/** Keeps PER_IP sockets open from each address, reopened when closed; `partial` sends half a request line. */
function flood(partial: boolean): { stop(): void; closedByServer: () => number } {
  const { port } = new URL(server.httpUrl);
  const sockets = new Set<Socket>();
  let stopped = false;
  let closed = 0;
  const open = (address: string) => {
    const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: address });
    sockets.add(socket);
    socket.on('connect', () => {
      if (partial) socket.write('GET / HTTP/1.1\r\n');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (stopped) return;
      closed++;
      setTimeout(() => open(address), 20);
    });
  };
  for (const address of ADDRESSES) for (let i = 0; i < PER_IP; i++) open(address);
  return {
    stop() {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    },
    closedByServer: () => closed,
  };
}

async function healthz(): Promise<number | string> {
  try {
    return (await fetch(`${server.httpUrl}/healthz`, { signal: AbortSignal.timeout(3000) })).status;
  } catch (error) {
    return String(error);
  }
}

async function newcomerLogsIn(name: string): Promise<string> {
  try {
    const link = await rawLink(server.wsUrl);
    await rawLogin(link, 'raw-tcp-room', name);
    link.ws.terminate();
    return 'logged in';
  } catch (error) {
    return String(error);
  }
}

describe.each([
  ['silent', false],
  ['half a request line', true],
])('raw TCP connections (%s) from five addresses', (_name, partial) => {
  it('/healthz answers and a newcomer logs in throughout', async () => {
    const attack = flood(partial);
    try {
      const seen: (number | string)[] = [];
      for (let round = 0; round < 4; round++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        seen.push(await healthz(), await newcomerLogsIn(`newcomer${round}`));
      }
      expect(seen).toEqual([200, 'logged in', 200, 'logged in', 200, 'logged in', 200, 'logged in']);
      expect(attack.closedByServer()).toBeGreaterThan(0);
    } finally {
      attack.stop();
    }
  });
});

it('a connection that sends nothing is closed after httpFirstByteTimeoutMs; one that sent a byte is not', async () => {
  const { port } = new URL(server.httpUrl);
  const startedAt = Date.now();
  const closedAfter = (bytes: string) =>
    new Promise<number>((resolve) => {
      const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: '127.0.9.9' });
      socket.on('connect', () => bytes !== '' && socket.write(bytes));
      socket.on('error', () => {});
      socket.on('close', () => resolve(Date.now() - startedAt));
    });
  const silent = await Promise.all(Array.from({ length: 10 }, () => closedAfter('')));
  expect(Math.min(...silent)).toBeGreaterThanOrEqual(1900);
  expect(Math.max(...silent)).toBeLessThan(4000);
  // Half a request line: the headers deadline (10 s) is its limit, not the first byte's.
  const partial = closedAfter('GET / HTTP/1.1\r\n');
  const stillOpen = await Promise.race([
    partial,
    new Promise((resolve) => setTimeout(() => resolve('open'), 3500)),
  ]);
  expect(stillOpen).toBe('open');
  expect(await server.limited('http_first_byte')).toBeGreaterThanOrEqual(10);
  expect(await server.limited('http_evicted')).toBeGreaterThan(0);
});
