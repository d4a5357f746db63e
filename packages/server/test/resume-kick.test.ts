// A session kicked while its link was down cannot come back by resuming (docs/contract.md, invariant 3):
// the client hears each kick as the `kick` frame it missed, and the resume is refused with the
// kick's code — or, for a multi-room session kicked from some rooms, those rooms are `kicked`.

import { Code, type KickFrame, type ReplyFrame } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../src/index.js';
import { Harness, tokenFor } from './helpers.js';
import { dropLink, HeldHistoryBackend, member, resumeOn } from './resume-helpers.js';

const h = new Harness();
afterEach(() => h.close());

const HB = 250;
const APP_ID = 1234567890;

/** The kick frames a resuming link got, and whether each came before the reply. */
function kicksBefore(frames: readonly { t: string }[], reply: ReplyFrame): KickFrame[] {
  const at = frames.indexOf(reply);
  return frames.slice(0, at).filter((f): f is KickFrame => f.t === 'kick');
}

describe('kicked while away', () => {
  it('by a duplicate login: the resume is refused with 1002050, after the kick frame', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB });
    const a = await member(h, s, ['r1'], 'ann');
    const seqs = await dropLink(a);
    const winner = await member(h, s, ['r1'], 'ann');
    const { client, reply } = await resumeOn(h, s, a, seqs);
    expect(reply).toMatchObject({ code: Code.KICKED_DUPLICATE_LOGIN });
    expect(kicksBefore(client.frames, reply)).toEqual([
      { t: 'kick', room: 'r1', code: Code.KICKED_DUPLICATE_LOGIN, ext: '' },
    ]);
    // The winner stays, undisturbed.
    expect(winner.client.since(0, (f) => f.t === 'kick')).toEqual([]);
    expect((await winner.client.request({ t: 'bcast', room: 'r1', msg: 'still here' })).code).toBe(Code.OK);
  });

  it('and back only after the grace period: still refused with the kick, for kickMemoryMs', async () => {
    const GRACE = 150;
    /** Time passing is what this test is about: no event marks it. */
    const afterMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    for (const [kickMemoryMs, expected] of [
      [undefined, Code.KICKED_DUPLICATE_LOGIN],
      [0, Code.NOT_LOGGED_IN],
    ] as const) {
      const s = await h.server({ heartbeatIntervalMs: 100, sessionGraceMs: GRACE, kickMemoryMs });
      const a = await member(h, s, ['r1'], 'ann');
      const seqs = await dropLink(a);
      const winner = await member(h, s, ['r1'], 'ann');
      await afterMs(4 * GRACE);
      const { reply } = await resumeOn(h, s, a, seqs);
      expect(reply.code).toBe(expected);
      expect(winner.client.since(0, (f) => f.t === 'kick')).toEqual([]);
    }
  });

  it('by the business backend: refused with 1002055 and the custom reason', async () => {
    const backend = new MemoryBackend();
    const s = await h.server({ heartbeatIntervalMs: HB, backend });
    const a = await member(h, s, ['r1'], 'ann');
    const b = await member(h, s, ['r1'], 'bob');
    const seqs = await dropLink(a);
    await backend.remove({
      room: { appID: APP_ID, roomID: 'r1' },
      userID: 'ann',
      kick: { code: Code.KICKED_BY_BACKEND, ext: 'spam' },
    });
    await b.client.waitFor((f) => f.t === 'ev' && f.k === 'leave');
    const { client, reply } = await resumeOn(h, s, a, seqs);
    expect(reply).toMatchObject({ code: Code.KICKED_BY_BACKEND, ext: 'spam' });
    expect(kicksBefore(client.frames, reply)).toMatchObject([{ room: 'r1', code: Code.KICKED_BY_BACKEND }]);
    await backend.close();
  });

  it('by token expiry under kickOnTokenExpiry: refused with 1002078', async () => {
    let skewMs = 0;
    const s = await h.server({
      heartbeatIntervalMs: HB,
      kickOnTokenExpiry: true,
      now: () => Date.now() + skewMs,
    });
    const a = await member(h, s, ['r1'], 'ann', { token: tokenFor('ann', { ttlSec: 60 }) });
    const b = await member(h, s, ['r1'], 'bob');
    const seqs = await dropLink(a);
    skewMs = 120_000;
    await b.client.waitFor((f) => f.t === 'ev' && f.k === 'leave');
    const { client, reply } = await resumeOn(h, s, a, seqs);
    expect(reply.code).toBe(Code.TOKEN_EXPIRED);
    expect(kicksBefore(client.frames, reply)).toMatchObject([{ room: 'r1', code: Code.TOKEN_EXPIRED }]);
  });

  it('from one room of a multi-room session: that room is kicked, the other resumes', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB });
    const a = await member(h, s, ['r1', 'r2'], 'ann');
    const b = await member(h, s, ['r1'], 'bob', { multi: true });
    const seqs = await dropLink(a);
    await member(h, s, ['r2'], 'ann', { multi: true });
    await b.client.request({ t: 'bcast', room: 'r1', msg: 'missed' });
    const { client, reply, data } = await resumeOn(h, s, a, seqs);
    expect(reply.code).toBe(Code.OK);
    expect(data.rooms).toEqual({
      r1: { replayed: true, upTo: expect.any(Number) },
      r2: { kicked: Code.KICKED_DUPLICATE_LOGIN, ext: '' },
    });
    expect(kicksBefore(client.frames, reply)).toMatchObject([{ room: 'r2' }]);
    await client.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.room === 'r1');
    // Still in r1, so a message to r2 is ZEGO's "inconsistent room id".
    expect((await client.request({ t: 'bcast', room: 'r2', msg: 'x' })).code).toBe(Code.MESSAGE_NOT_IN_ROOM);
    expect((await client.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.OK);
  });

  it('while the resume reads the history: refused with the kick, never half-resumed', async () => {
    const backend = new HeldHistoryBackend();
    const s = await h.server({ heartbeatIntervalMs: HB, backend });
    const a = await member(h, s, ['r1'], 'ann');
    const seqs = await dropLink(a);
    backend.hold();
    const resuming = resumeOn(h, s, a, seqs);
    await backend.held();
    const winner = await member(h, s, ['r1'], 'ann');
    backend.release();
    const { client, reply } = await resuming;
    expect(reply.code).toBe(Code.KICKED_DUPLICATE_LOGIN);
    expect(kicksBefore(client.frames, reply)).toMatchObject([
      { room: 'r1', code: Code.KICKED_DUPLICATE_LOGIN },
    ]);
    expect((await client.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.NOT_LOGGED_IN);
    expect((await winner.client.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.OK);
    await backend.close();
  });

  it('a session that logs in to the room again is no longer kicked from it', async () => {
    const s = await h.server({ heartbeatIntervalMs: HB });
    const a = await member(h, s, ['r1', 'r2'], 'ann');
    await member(h, s, ['r2'], 'ann', { multi: true });
    await a.client.waitFor((f) => f.t === 'kick');
    expect((await a.client.login('r2', 'ann', { multi: true })).code).toBe(Code.OK);
    const seqs = await dropLink(a);
    const { reply, data } = await resumeOn(h, s, a, { ...seqs, r2: 0 });
    expect(reply.code).toBe(Code.OK);
    expect(data.rooms).toMatchObject({ r1: { replayed: true }, r2: { replayed: true } });
  });
});
