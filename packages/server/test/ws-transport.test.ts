// The ws Transport on its own, over real sockets: a publish writes one pre-built frame to every
// subscriber, and sockets stay corked until the end of the tick, so what one tick wrote must
// still arrive whole, in the order it was written, whatever the frame's length encoding.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TransportLink, WsTransport } from '../src/index.js';

interface Rig {
  transport: WsTransport;
  http: Server;
  url: string;
  /** Resolves with the next link the transport opens. */
  nextLink(): Promise<TransportLink>;
}

const rigs: Rig[] = [];
const clients: WebSocket[] = [];

async function rig(): Promise<Rig> {
  const transport = new WsTransport({ maxPayloadBytes: 1024 * 1024 });
  const http = createServer();
  const waiting: ((link: TransportLink) => void)[] = [];
  transport.listen({
    open: (link) => waiting.shift()?.(link),
    message: () => {},
    close: () => {},
  });
  http.on('upgrade', (req, socket, head) => transport.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const r: Rig = {
    transport,
    http,
    url: `ws://127.0.0.1:${port}`,
    nextLink: () => new Promise<TransportLink>((resolve) => waiting.push(resolve)),
  };
  rigs.push(r);
  return r;
}

/** Opens a client and resolves with it and its server-side link once both ends are open. */
async function connect(r: Rig): Promise<{ client: WebSocket; link: TransportLink; frames: string[] }> {
  const serverSide = r.nextLink();
  const client = new WebSocket(r.url);
  clients.push(client);
  const frames: string[] = [];
  client.on('message', (data, isBinary) => {
    if (!isBinary) frames.push(data.toString());
  });
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  return { client, link: await serverSide, frames };
}

/** Resolves once `frames` holds `count` entries (the client's message events fill it). */
function received(client: WebSocket, frames: string[], count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    if (frames.length >= count) return resolve(frames);
    const check = () => {
      if (frames.length < count) return;
      client.off('message', check);
      resolve(frames);
    };
    client.on('message', check);
    client.once('close', () => reject(new Error(`closed after ${frames.length} of ${count} frames`)));
  });
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  for (const r of rigs.splice(0)) {
    await r.transport.close();
    await new Promise<void>((resolve) => r.http.close(() => resolve()));
  }
});

describe('WsTransport', () => {
  it('writes a published frame to every subscriber but the excepted one', async () => {
    const r = await rig();
    const a = await connect(r);
    const b = await connect(r);
    const c = await connect(r);
    for (const x of [a, b, c]) x.link.subscribe('room');
    r.transport.publish('room', '{"t":"ev","n":1}', { except: b.link });
    c.link.send('{"t":"after"}');
    expect(await received(a.client, a.frames, 1)).toEqual(['{"t":"ev","n":1}']);
    expect(await received(c.client, c.frames, 2)).toEqual(['{"t":"ev","n":1}', '{"t":"after"}']);
    // b got nothing from the publish: the next frame it sees is the one sent to it alone.
    b.link.send('{"t":"own"}');
    expect(await received(b.client, b.frames, 1)).toEqual(['{"t":"own"}']);
  });

  it('keeps one tick of sends and publishes in order, across every length encoding', async () => {
    const r = await rig();
    const a = await connect(r);
    a.link.subscribe('room');
    // 7-bit, 16-bit and 64-bit payload lengths (RFC 6455 §5.2) on both edges of each.
    const sizes = [1, 125, 126, 65535, 65536, 70000];
    const expected: string[] = [];
    for (const [i, size] of sizes.entries()) {
      const published = `p${i}:`.padEnd(size, 'x');
      const sent = `s${i}`;
      r.transport.publish('room', published);
      a.link.send(sent);
      expected.push(published, sent);
    }
    const frames = await received(a.client, a.frames, expected.length);
    expect(frames.map((f) => f.length)).toEqual(expected.map((f) => f.length));
    expect(frames).toEqual(expected);
  });

  it('delivers a burst of publishes made in one tick to each subscriber, complete and in order', async () => {
    const r = await rig();
    const members = await Promise.all(Array.from({ length: 5 }, () => connect(r)));
    for (const m of members) m.link.subscribe('room');
    const burst = Array.from({ length: 500 }, (_, i) => `{"t":"ev","seq":${i + 1}}`);
    for (const frame of burst) r.transport.publish('room', frame);
    for (const m of members) expect(await received(m.client, m.frames, burst.length)).toEqual(burst);
  });

  it('stops writing to a link once it is closing', async () => {
    const r = await rig();
    const a = await connect(r);
    const b = await connect(r);
    a.link.subscribe('room');
    b.link.subscribe('room');
    const closed = new Promise<void>((resolve) => a.client.once('close', () => resolve()));
    a.link.close(1000, 'bye');
    r.transport.publish('room', '{"t":"ev"}');
    await closed;
    expect(a.frames).toEqual([]);
    expect(await received(b.client, b.frames, 1)).toEqual(['{"t":"ev"}']);
  });
});
