// GET /metrics (Prometheus text) after real activity, one registry per server, resume
// outcomes, and /readyz asking the backend.

import { Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend, type RoomServer } from '../src/index.js';
import { adminOk } from './admin-helpers.js';
import { Harness, tokenFor } from './helpers.js';
import { dropLink, member, resumeOn } from './resume-helpers.js';

const h = new Harness();
afterEach(() => h.close());

async function scrape(
  s: RoomServer,
): Promise<{ type: string; text: string; value: (name: string) => number }> {
  const res = await fetch(`${s.httpUrl}/metrics`);
  const text = await res.text();
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return { type: res.headers.get('content-type') ?? '', text, value };
}

describe('/metrics', () => {
  it('counts sessions, rooms, members, logins by code, kicks by code, messages, frames and admin calls', async () => {
    const s = await h.server();
    const [ann, bob, eve] = [await h.client(s), await h.client(s), await h.client(s)];
    await ann.joined('r1', 'ann');
    await bob.joined('r1', 'bob');
    expect((await bob.login('r2', 'bob')).code).toBe(Code.ALREADY_IN_ROOM);
    expect((await eve.login('r1', 'eve', { token: tokenFor('mallory') })).code).toBe(Code.TOKEN_WRONG);
    await eve.joined('r2', 'eve');
    await ann.request({ t: 'bcast', room: 'r1', msg: 'hi' });
    await ann.request({ t: 'barrage', room: 'r1', msg: 'wow' });
    await bob.waitFor((f) => f.t === 'barrage');
    await adminOk(s, 'KickoutUser', { RoomId: 'r2', UserId: ['eve'] });
    await eve.waitFor((f) => f.t === 'kick');

    const m = await scrape(s);
    expect(m.type).toContain('text/plain');
    expect(m.value('atrium_links')).toBe(3);
    expect(m.value('atrium_sessions')).toBe(2);
    expect(m.value('atrium_rooms')).toBe(1);
    expect(m.value('atrium_room_members')).toBe(2);
    expect(m.value('atrium_logins_total{code="0"}')).toBe(3);
    expect(m.value(`atrium_logins_total{code="${Code.TOKEN_WRONG}"}`)).toBe(1);
    expect(m.value(`atrium_logins_total{code="${Code.ALREADY_IN_ROOM}"}`)).toBe(1);
    expect(m.value(`atrium_kicks_total{code="${Code.KICKED_BY_BACKEND}"}`)).toBe(1);
    expect(m.value('atrium_room_messages_total{kind="bcast"}')).toBe(1);
    expect(m.value('atrium_room_messages_total{kind="barrage"}')).toBe(1);
    // hello × 3, replies, join and leave events, the broadcast, the barrage, the kick…
    expect(m.value('atrium_frames_delivered_total')).toBeGreaterThan(10);
    expect(m.value('atrium_admin_requests_total{action="KickoutUser",code="0"}')).toBe(1);
    expect(m.value('atrium_webhook_queue_depth')).toBe(0);
    // Every metric has its HELP and TYPE lines.
    for (const name of [
      'atrium_resumes_total',
      'atrium_webhooks_dropped_total',
      'atrium_webhook_attempts_total',
    ]) {
      expect(m.text).toContain(`# TYPE ${name} counter`);
    }
    // No process metrics unless asked for (they cannot be torn down with the server).
    expect(m.text).not.toContain('process_cpu_user_seconds_total');
  });

  it('each server has its own registry', async () => {
    const [a, b] = [await h.server(), await h.server({ processMetrics: true })];
    const c = await h.client(a);
    await c.joined('r1', 'ann');
    expect((await scrape(a)).value('atrium_logins_total{code="0"}')).toBe(1);
    const other = await scrape(b);
    expect(other.value('atrium_logins_total{code="0"}')).toBeNaN();
    expect(other.value('atrium_sessions')).toBe(0);
    expect(other.text).toContain('process_cpu_user_seconds_total');
  });

  it('resumes by outcome: replayed, snapshot, refused', async () => {
    const s = await h.server({ historyMaxEvents: 4 });
    const ann = await member(h, s, ['r1'], 'ann');
    const bob = await member(h, s, ['r1'], 'bob');
    const seqs = await dropLink(ann);
    expect((await resumeOn(h, s, ann, seqs)).reply.code).toBe(Code.OK);
    const again = await dropLink(ann);
    // More events than the history keeps: the room comes back as a snapshot.
    for (let i = 0; i < 6; i++) await bob.client.request({ t: 'bcast', room: 'r1', msg: `m${i}` });
    expect((await resumeOn(h, s, ann, again)).reply.code).toBe(Code.OK);
    expect((await resumeOn(h, s, { session: 'nope', key: 'nope' }, { r1: 0 })).reply.code).not.toBe(Code.OK);
    const m = await scrape(s);
    expect(m.value('atrium_resumes_total{outcome="replayed"}')).toBe(1);
    expect(m.value('atrium_resumes_total{outcome="snapshot"}')).toBe(1);
    expect(m.value('atrium_resumes_total{outcome="refused"}')).toBe(1);
  });
});

class SwitchableBackend extends MemoryBackend {
  up = true;
  override ready(): boolean {
    return this.up;
  }
}

describe('/healthz and /readyz', () => {
  it('readyz is 503 while the backend is not ready, and once the server is closing; healthz stays 200', async () => {
    const backend = new SwitchableBackend();
    const s = await h.server({ backend });
    const get = async (path: string) => {
      const res = await fetch(`${s.httpUrl}${path}`);
      return [res.status, await res.text()];
    };
    expect(await get('/readyz')).toEqual([200, 'ready\n']);
    backend.up = false;
    expect(await get('/readyz')).toEqual([503, 'backend not ready\n']);
    expect(await get('/healthz')).toEqual([200, 'ok\n']);
    backend.up = true;
    expect(await get('/readyz')).toEqual([200, 'ready\n']);
    await backend.close();
  });
});
