// Members nobody would remove: one whose session ends while the backend cannot remove it (Redis
// away mid-way) is removed later, by the sweep, once the backend can; one made by a join whose
// answer was lost is removed at once. Neither stays in the room for ever.

import { Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type JoinRequest,
  type JoinResult,
  MemoryBackend,
  type RemoveRequest,
  type RemoveResult,
} from '../src/index.js';
import { APP_ID, Harness } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

/** The in-memory backend, with removals failing while `failing` is set. */
class FlakyBackend extends MemoryBackend {
  failing = false;
  failures = 0;
  override async remove(request: RemoveRequest): Promise<RemoveResult> {
    if (this.failing) {
      this.failures++;
      throw new Error('backend away');
    }
    return super.remove(request);
  }
}

describe('a removal the backend failed to make', () => {
  it('is made by the sweep once the backend is back', async () => {
    const backend = new FlakyBackend();
    const s = await h.server({ backend, heartbeatIntervalMs: 100, sessionGraceMs: 0 });
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    const bob = await h.client(s);
    await bob.joined('r1', 'bob', { userUpdate: true });
    backend.failing = true;
    await ann.close();
    // The session ends at once (no grace); its removal fails, and keeps failing for a while.
    while (backend.failures < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(bob.events('leave')).toEqual([]);
    backend.failing = false;
    const left = await bob.waitFor((f) => f.t === 'ev' && f.k === 'leave');
    expect(left).toMatchObject({ user: { userID: 'ann' } });
    expect((await bob.request({ t: 'bcast', room: 'r1', msg: 'alone' })).code).toBe(Code.OK);
    await backend.close();
  });
});

/** The in-memory backend, whose next join runs but whose answer is lost (the call fails). */
class LostReplyBackend extends MemoryBackend {
  loseNext = false;
  override async join(request: JoinRequest): Promise<JoinResult> {
    const result = await super.join(request);
    if (!this.loseNext) return result;
    this.loseNext = false;
    throw new Error('reply lost');
  }
}

describe('a join whose outcome is unknown', () => {
  it('is undone: the member it may have made does not stay', async () => {
    const backend = new LostReplyBackend();
    const s = await h.server({ backend });
    const bob = await h.client(s);
    await bob.joined('r1', 'bob', { userUpdate: true });
    const ann = await h.client(s);
    backend.loseNext = true;
    const reply = await ann.login('r1', 'ann');
    expect(reply.code).toBe(Code.INTERNAL);
    await bob.waitFor((f) => f.t === 'ev' && f.k === 'leave');
    const room = await backend.room({ appID: APP_ID, roomID: 'r1' }, true);
    expect(room?.members?.map((m) => m.user.userID)).toEqual(['bob']);
    // And the login goes through when tried again.
    expect((await ann.joined('r1', 'ann')).snapshot.count).toBe(2);
    await backend.close();
  });
});
