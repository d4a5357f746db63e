// Large messages half-sent before login: every link that has not logged in could otherwise hold
// up to maxPayloadBytes of an unfinished WebSocket message (400 links, +135 MB). Before login a
// link may send, or hold half-sent, at most loginMaxMessageBytes (a login or resume is far
// smaller): a frame header announcing more, or fragments adding up to more, close it with 1009
// at once. After its login the link may send up to maxPayloadBytes again.

import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import { rawLink, rawLogin, type ServerProcess, startServer } from './support/rig.js';

const LINKS = 50;
const LOGIN_MAX = 16 * 1024;

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ loginMaxMessageBytes: LOGIN_MAX, loginDeadlineMs: 20_000 });
});

afterAll(async () => {
  await server?.stop();
});

/** A client's frame header (masked with a zero key): text or continuation, FIN or not. */
function header(length: number, { fin = true, continuation = false } = {}): Buffer {
  const head = Buffer.alloc(14);
  head[0] = (fin ? 0x80 : 0) | (continuation ? 0x00 : 0x01);
  head[1] = 0x80 | 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  return head;
}

const socketOf = (link: { ws: unknown }): Socket => (link.ws as { _socket: Socket })._socket;

describe('large messages before login', () => {
  it('a frame announcing more than loginMaxMessageBytes closes the link with 1009 at once', async () => {
    const links = await Promise.all(
      Array.from({ length: LINKS }, (_, i) => rawLink(server.wsUrl, `127.0.7.${1 + (i % 5)}`)),
    );
    for (const link of links) {
      const socket = socketOf(link);
      socket.write(header(1024 * 1024 - 1024));
      socket.write(Buffer.alloc(8 * 1024, 0x20));
    }
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 3000));
    const codes = await Promise.all(links.map((link) => Promise.race([link.closed, timeout])));
    expect(codes.every((code) => code === 1009)).toBe(true);
    expect(await server.limited('login_message')).toBeGreaterThanOrEqual(LINKS);
  });

  it('fragments adding up to more close it too; a message under the limit is answered', async () => {
    const link = await rawLink(server.wsUrl, '127.0.7.9');
    const socket = socketOf(link);
    // Under the limit: read and refused politely (not a frame of the protocol), the link stays.
    socket.write(Buffer.concat([header(LOGIN_MAX - 1024), Buffer.alloc(LOGIN_MAX - 1024, 0x20)]));
    await until(() => link.frames.some((f) => f.includes('"t":"error"')));
    socket.write(Buffer.concat([header(LOGIN_MAX / 2, { fin: false }), Buffer.alloc(LOGIN_MAX / 2, 0x20)]));
    socket.write(header(LOGIN_MAX / 2 + 1, { continuation: true }));
    expect(await link.closed).toBe(1009);
  });

  it('after login a link may send messages up to maxPayloadBytes', async () => {
    const link = await rawLink(server.wsUrl, '127.0.7.10');
    await rawLogin(link, 'partial-room', 'member');
    const replies = link.frames.length;
    // Above the protocol's frame size: refused politely (1100001), the link stays open.
    link.ws.send(JSON.stringify({ t: 'bcast', id: 2, room: 'partial-room', msg: 'x'.repeat(200 * 1024) }));
    await until(() => link.frames.length > replies);
    expect(link.frames.at(-1)).toContain('1100001');
    expect(link.ws.readyState).toBe(link.ws.OPEN);
    link.ws.close();
  });
});
