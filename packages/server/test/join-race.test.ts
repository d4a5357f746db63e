// A remote backend (Redis) can deliver a room's events before the result of the join that
// preceded them. A backend whose join result is held back shows the server still delivers
// everything after the snapshot, in order, after the reply — and honours a kick that came first.

import { Code, type LoginReplyData } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type JoinRequest, type JoinResult, MemoryBackend } from '../src/index.js';
import { Harness } from './helpers.js';

/** Holds back the result of joins by `userID` until `release()`. */
class HeldJoinBackend extends MemoryBackend {
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => {};

  constructor(private readonly heldUserID: string) {
    super();
  }

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open();
  }

  override async join(req: JoinRequest): Promise<JoinResult> {
    const result = await super.join(req);
    if (req.user.userID === this.heldUserID) await this.gate;
    return result;
  }
}

const h = new Harness();
afterEach(() => h.close());

describe('events that overtake a join’s result', () => {
  it('are delivered after the login reply, those after the snapshot only, in order', async () => {
    const backend = new HeldJoinBackend('late');
    const s = await h.server({ backend });
    const [early, late] = [await h.client(s), await h.client(s)];
    await early.joined('r1', 'early');
    backend.hold();
    const login = late.login('r1', 'late');
    await early.waitFor((f) => f.t === 'ev' && f.k === 'join');
    expect((await early.request({ t: 'bcast', room: 'r1', msg: 'one' })).code).toBe(Code.OK);
    expect((await early.request({ t: 'pub', room: 'r1', stream: 's1' })).code).toBe(Code.OK);
    backend.release();
    const reply = await login;
    const data = reply.data as LoginReplyData;
    expect(reply.code).toBe(Code.OK);
    await late.waitFor((f) => f.t === 'ev' && f.k === 'pub');
    const replyAt = late.frames.indexOf(reply);
    const events = late.events();
    expect(events.map((e) => e.k)).toEqual(['bcast', 'pub']);
    expect(events.every((e) => e.seq > data.snapshot.seq && late.frames.indexOf(e) > replyAt)).toBe(true);
    // And live ones afterwards, as usual.
    await early.request({ t: 'bcast', room: 'r1', msg: 'two' });
    await late.waitFor((f) => f.t === 'ev' && f.k === 'bcast' && f.msg.message === 'two');
    await backend.close();
  });

  it('a kick of the membership that arrives before its join result is applied after the reply', async () => {
    const backend = new HeldJoinBackend('dup');
    const s = await h.server({ backend });
    const [first, second, watcher] = [await h.client(s), await h.client(s), await h.client(s)];
    await watcher.joined('r1', 'watcher');
    backend.hold();
    const held = first.login('r1', 'dup');
    await watcher.waitFor((f) => f.t === 'ev' && f.k === 'join' && f.user.userID === 'dup');
    // The gate holds every join of 'dup': let the second through by releasing after it starts.
    const kicker = second.login('r1', 'dup');
    await watcher.waitFor((f) => f.t === 'ev' && f.k === 'leave' && f.user.userID === 'dup');
    backend.release();
    expect((await held).code).toBe(Code.OK);
    expect((await kicker).code).toBe(Code.OK);
    expect(await first.waitFor((f) => f.t === 'kick')).toMatchObject({
      room: 'r1',
      code: Code.KICKED_DUPLICATE_LOGIN,
    });
    expect((await first.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.NOT_LOGGED_IN);
    expect((await second.request({ t: 'bcast', room: 'r1', msg: 'x' })).code).toBe(Code.OK);
    await backend.close();
  });

  it('a link that closes while its login is in flight leaves no member behind', async () => {
    const backend = new HeldJoinBackend('gone');
    // No grace period: the session ends with its link (resume.test.ts covers the grace).
    const s = await h.server({ backend, sessionGraceMs: 0 });
    const [gone, watcher] = [await h.client(s), await h.client(s)];
    await watcher.joined('r1', 'watcher');
    backend.hold();
    void gone.login('r1', 'gone').catch(() => {});
    await watcher.waitFor((f) => f.t === 'ev' && f.k === 'join' && f.user.userID === 'gone');
    await gone.close();
    backend.release();
    await watcher.waitFor((f) => f.t === 'ev' && f.k === 'leave' && f.user.userID === 'gone');
    expect(
      (await backend.room({ appID: 1234567890, roomID: 'r1' }, true))?.members?.map((m) => m.user.userID),
    ).toEqual(['watcher']);
    await backend.close();
  });
});
