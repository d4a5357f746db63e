// The door during a storm, on a real server and real sockets: with admission's budget full, a
// returning link waits in line without an answer to its upgrade; a client that leaves the line is
// never served; a fresh login goes in at once past the line; the line moves when an answer goes
// out. (entry-queue.test.ts covers the line's rules with the clock faked.)

import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MemoryBackend, type RoomServer } from '../src/index.js';
import { Harness, TestClient } from './helpers.js';

const h = new Harness();
const raw: WebSocket[] = [];
afterEach(async () => {
  for (const ws of raw.splice(0)) ws.terminate();
  await h.close();
});

/** Joins wait until the test opens the gate: a login that stays unanswered fills the budget. */
class GatedJoin extends MemoryBackend {
  open!: () => void;
  private readonly gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });
  override async join(...args: Parameters<MemoryBackend['join']>): ReturnType<MemoryBackend['join']> {
    await this.gate;
    return super.join(...args);
  }
}

async function metrics(s: RoomServer): Promise<(name: string) => number> {
  const text = await (await fetch(`${s.httpUrl}/metrics`)).text();
  return (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
}

/** Reads the metrics until `ok` holds (each read is a request the server answers; no sleeps). */
async function until(s: RoomServer, ok: (m: (name: string) => number) => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    if (ok(await metrics(s))) return;
    if (performance.now() > deadline) throw new Error('metrics never got there');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function returning(s: RoomServer): WebSocket {
  const ws = new WebSocket(`${s.wsUrl}?intent=resume`);
  ws.on('error', () => {});
  raw.push(ws);
  return ws;
}

/**
 * A server behind: a budget of one link waiting for its answer, taken by a login whose join
 * waits for `backend.open()`.
 */
async function behind() {
  const backend = new GatedJoin();
  const s = await h.server({ backend, admissionMaxPendingLinks: 1 });
  const first = await h.client(s);
  const firstLogin = first.login('r1', 'first');
  await until(s, (m) => m('atrium_admission_pending_links') === 1);
  return { backend, s, firstLogin };
}

describe('the door while the server is behind', () => {
  it('a returning link waits in line, one that leaves is never served, a fresh login goes first, the line moves on an answer', async () => {
    const { backend, s, firstLogin } = await behind();

    const leaver = returning(s);
    await until(s, (m) => m('atrium_admission_waiting_links') === 1);
    expect(leaver.readyState).toBe(WebSocket.CONNECTING);
    leaver.terminate();
    await until(
      s,
      (m) => m('atrium_admission_left_total') === 1 && m('atrium_admission_waiting_links') === 0,
    );

    const waiter = returning(s);
    const waiterOpen = new Promise<void>((resolve) => waiter.once('open', () => resolve()));
    await until(s, (m) => m('atrium_admission_waiting_links') === 1);
    // Past the line at once: its upgrade is answered and the server says hello.
    const newcomer = await TestClient.connect(`${s.wsUrl}?intent=login`);
    let m = await metrics(s);
    expect(m('atrium_admission_waiting_links')).toBe(1);
    expect(m('atrium_links')).toBe(2);
    expect(waiter.readyState).toBe(WebSocket.CONNECTING);

    backend.open();
    expect((await firstLogin).code).toBe(0);
    await waiterOpen;
    m = await metrics(s);
    // The one that left never became a link: first, the newcomer and the waiter are.
    expect(m('atrium_links')).toBe(3);
    expect(m('atrium_admission_queued_total')).toBe(2);
    expect(m('atrium_admission_left_total')).toBe(1);
    expect(m('atrium_admission_shed_total')).toBe(0);
    await newcomer.close();
  });

  it('a link in line that sends instead of waiting for its answer (no WebSocket client does) is dropped once past 16 KiB', async () => {
    const { backend, s, firstLogin } = await behind();
    const url = new URL(s.wsUrl);
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `GET ${url.pathname}?intent=resume HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await until(s, (m) => m('atrium_admission_waiting_links') === 1);
    socket.write(Buffer.alloc(20 * 1024, 1));
    await closed;
    await until(
      s,
      (m) => m('atrium_admission_waiting_links') === 0 && m('atrium_admission_left_total') === 1,
    );
    backend.open();
    expect((await firstLogin).code).toBe(0);
  });
});
