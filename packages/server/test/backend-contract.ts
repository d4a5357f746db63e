// The contract every Backend must pass (memory and Redis): run it with
// `backendContract('memory', () => new MemoryBackend())`.

import { Code, StreamDeleteReason } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend/backend.js';
import type { BackendMessage, JoinRequest, RoomRef } from '../src/backend/types.js';

export type MakeBackend = (options: { historyMaxEvents: number }) => Backend | Promise<Backend>;

const APP = 1;
let roomCounter = 0;

/** A join request with the contract's defaults; `over` changes what a test is about. */
export function joinReq(room: RoomRef, userID: string, over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    room,
    user: { userID, userName: `${userID}-name` },
    sessionID: `s-${userID}`,
    multi: false,
    userUpdate: true,
    maxMemberCount: 0,
    duplicateLogin: 'kick-old',
    withMembers: true,
    nowMs: 1000,
    ...over,
  };
}

export function backendContract(name: string, makeBackend: MakeBackend): void {
  describe(`Backend contract: ${name}`, () => {
    const opened: Backend[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
    });

    async function open(historyMaxEvents = 64): Promise<{ backend: Backend; messages: BackendMessage[] }> {
      const backend = await makeBackend({ historyMaxEvents });
      opened.push(backend);
      const messages: BackendMessage[] = [];
      backend.subscribe((m) => messages.push(m));
      return { backend, messages };
    }

    // Unique room IDs so a shared store (Redis) never sees one test's rooms in another.
    const freshRoom = (): RoomRef => ({ appID: APP, roomID: `contract-${process.pid}-${++roomCounter}` });

    const events = (messages: BackendMessage[], room?: RoomRef) =>
      messages.flatMap((m) =>
        m.kind === 'event' && (room === undefined || m.room.roomID === room.roomID) ? [m] : [],
      );

    it('creates a room on first join, with the join event as seq 1', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      const r = await backend.join(joinReq(room, 'u1'));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.created).toBe(true);
      expect(r.state.seq).toBe(1);
      expect(r.state.count).toBe(1);
      expect(r.state.members?.map((m) => m.user.userID)).toEqual(['u1']);
      expect(r.state.members?.[0]?.joinSeq).toBe(1);
      expect(events(messages, room)).toEqual([
        {
          kind: 'event',
          room,
          seq: 1,
          event: { k: 'join', user: { userID: 'u1', userName: 'u1-name' } },
          count: 1,
          member: { sessionID: 's-u1', joinedAtMs: 1000, created: true },
        },
      ]);
    });

    it('membership notes: a join says whether it created the room; a leave says why and what it emptied', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1', { nowMs: 10 }));
      await backend.join(joinReq(room, 'u2', { nowMs: 20 }));
      await backend.join(joinReq(room, 'u3', { nowMs: 30 }));
      await backend.join(joinReq(room, 'u4', { nowMs: 40 }));
      await backend.remove({ room, userID: 'u1', cause: 'timeout' });
      await backend.remove({ room, userID: 'u2' });
      await backend.remove({ room, userID: 'u3', kick: { code: Code.KICKED_BY_BACKEND, ext: '' } });
      // A duplicate login displaces u4 with a kick of its own.
      await backend.join(joinReq(room, 'u4', { sessionID: 'again', nowMs: 50 }));
      await backend.remove({ room, userID: 'u4', cause: 'logout' });
      const notes = events(messages, room).map((e) => [e.event.k, e.member]);
      expect(notes).toEqual([
        ['join', { sessionID: 's-u1', joinedAtMs: 10, created: true }],
        ['join', { sessionID: 's-u2', joinedAtMs: 20, created: false }],
        ['join', { sessionID: 's-u3', joinedAtMs: 30, created: false }],
        ['join', { sessionID: 's-u4', joinedAtMs: 40, created: false }],
        [
          'leave',
          expect.objectContaining({ sessionID: 's-u1', joinedAtMs: 10, cause: 'timeout', destroyed: false }),
        ],
        ['leave', expect.objectContaining({ sessionID: 's-u2', cause: 'logout', destroyed: false })],
        [
          'leave',
          expect.objectContaining({ sessionID: 's-u3', cause: 'kick', kickCode: Code.KICKED_BY_BACKEND }),
        ],
        [
          'leave',
          expect.objectContaining({
            sessionID: 's-u4',
            cause: 'kick',
            kickCode: Code.KICKED_DUPLICATE_LOGIN,
          }),
        ],
        ['join', { sessionID: 'again', joinedAtMs: 50, created: false }],
        ['leave', expect.objectContaining({ sessionID: 'again', cause: 'logout', destroyed: true })],
      ]);
      for (const e of events(messages, room)) {
        if (e.event.k !== 'join' && e.event.k !== 'leave') expect(e.member).toBeUndefined();
      }
    });

    it('the business backend acts as any userID without membership; only a missing room refuses it', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      const actor = { room, userID: 'system', sessionID: '', asServer: { userName: 'System' } };
      const system = { userID: 'system', userName: 'System' };
      expect(await backend.publishStream({ ...actor, streamID: 'cdn', extraInfo: 'x' })).toEqual({
        ok: true,
      });
      expect((await backend.room(room, false))?.streams).toEqual([
        { streamID: 'cdn', user: system, extraInfo: 'x' },
      ]);
      const b = await backend.broadcast({ ...actor, message: 'hello', nowMs: 7 });
      expect(b.ok).toBe(true);
      expect((await backend.barrage({ ...actor, message: 'wow', nowMs: 8 })).ok).toBe(true);
      expect(await backend.command({ ...actor, message: 'do', to: ['u1'] })).toEqual({ ok: true });
      // Unpublishing as the server removes a member's stream too.
      await backend.publishStream({ room, userID: 'u1', sessionID: 's-u1', streamID: 'cam', extraInfo: '' });
      expect(await backend.unpublishStream({ ...actor, streamID: 'cam' })).toEqual({ ok: true });
      expect(await backend.unpublishStream({ ...actor, streamID: 'cam' })).toEqual({
        ok: false,
        code: Code.INPUT_PARAM,
      });
      expect(events(messages, room).map((e) => e.event)).toEqual([
        { k: 'join', user: { userID: 'u1', userName: 'u1-name' } },
        { k: 'pub', stream: { streamID: 'cdn', user: system, extraInfo: 'x' } },
        {
          k: 'bcast',
          msg: { fromUser: system, message: 'hello', sendTime: 7, messageID: b.ok ? b.messageID : -1 },
        },
        { k: 'cmd', from: system, msg: 'do', to: ['u1'] },
        { k: 'pub', stream: { streamID: 'cam', user: { userID: 'u1', userName: 'u1-name' }, extraInfo: '' } },
        {
          k: 'unpub',
          stream: { streamID: 'cam', user: { userID: 'u1', userName: 'u1-name' }, extraInfo: '' },
          why: StreamDeleteReason.REMOVED_BY_SERVER,
        },
      ]);
      expect((await backend.room(room, false))?.count).toBe(1);
      const missing = { ...actor, room: freshRoom() };
      const notThere = { ok: false, code: Code.NOT_LOGGED_IN };
      expect(await backend.publishStream({ ...missing, streamID: 's', extraInfo: '' })).toEqual(notThere);
      expect(await backend.broadcast({ ...missing, message: 'm', nowMs: 0 })).toEqual(notThere);
      expect(await backend.barrage({ ...missing, message: 'm', nowMs: 0 })).toEqual(notThere);
      expect(await backend.command({ ...missing, message: 'm', to: ['u1'] })).toEqual(notThere);
      expect(await backend.unpublishStream({ ...missing, streamID: 'cdn' })).toEqual(notThere);
    });

    it('an unpub says why the stream went: stopped, timed out, kicked, or replaced by a duplicate login', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
      for (const u of users) {
        await backend.join(joinReq(room, u));
        await backend.publishStream({
          room,
          userID: u,
          sessionID: `s-${u}`,
          streamID: `cam-${u}`,
          extraInfo: '',
        });
      }
      await backend.unpublishStream({ room, userID: 'u1', sessionID: 's-u1', streamID: 'cam-u1' });
      await backend.remove({ room, userID: 'u2', cause: 'timeout' });
      await backend.remove({ room, userID: 'u3', kick: { code: Code.KICKED_BY_BACKEND, ext: '' } });
      await backend.join(joinReq(room, 'u4', { sessionID: 's-u4-again' }));
      await backend.remove({ room, userID: 'u5' });
      const why = events(messages, room)
        .map((e) => e.event)
        .flatMap((e) => (e.k === 'unpub' ? [[e.stream.streamID, e.why]] : []));
      expect(why).toEqual([
        ['cam-u1', StreamDeleteReason.STOPPED],
        ['cam-u2', StreamDeleteReason.HEARTBEAT_TIMEOUT],
        ['cam-u3', StreamDeleteReason.KICKED_OUT],
        ['cam-u4', StreamDeleteReason.REPEAT_LOGIN],
        ['cam-u5', StreamDeleteReason.STOPPED],
      ]);
    });

    it('a command keeps its target list (empty: the whole room) and its encoding', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      const actor = { room, userID: 'u1', sessionID: 's-u1' };
      expect(await backend.command({ ...actor, message: 'AQID', to: [], enc: 'bin' })).toEqual({ ok: true });
      expect(await backend.command({ ...actor, message: '{"a":1}', to: ['u2'], enc: 'json' })).toEqual({
        ok: true,
      });
      const from = { userID: 'u1', userName: 'u1-name' };
      expect(
        events(messages, room)
          .map((e) => e.event)
          .slice(1),
      ).toEqual([
        { k: 'cmd', from, msg: 'AQID', to: [], enc: 'bin' },
        { k: 'cmd', from, msg: '{"a":1}', to: ['u2'], enc: 'json' },
      ]);
    });

    it('a second join sees the first member and bumps seq and count', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      const r = await backend.join(joinReq(room, 'u2'));
      expect(r.ok && r.created).toBe(false);
      if (!r.ok) return;
      expect(r.state.seq).toBe(2);
      expect(r.state.count).toBe(2);
      expect(r.state.members?.map((m) => m.user.userID).sort()).toEqual(['u1', 'u2']);
      expect(events(messages, room).map((e) => [e.seq, e.count])).toEqual([
        [1, 1],
        [2, 2],
      ]);
    });

    it('omits members when not asked for them', async () => {
      const { backend } = await open();
      const room = freshRoom();
      const r = await backend.join(joinReq(room, 'u1', { withMembers: false }));
      expect(r.ok && r.state.members).toBeUndefined();
    });

    it('refuses the same session joining the same room twice (1002056)', async () => {
      const { backend } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      expect(await backend.join(joinReq(room, 'u1'))).toEqual({ ok: false, code: Code.ALREADY_IN_THIS_ROOM });
    });

    it('enforces the creator’s maxMemberCount (1002034), set only at creation', async () => {
      const { backend } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1', { maxMemberCount: 2 }));
      expect((await backend.join(joinReq(room, 'u2', { maxMemberCount: 0 }))).ok).toBe(true);
      expect(await backend.join(joinReq(room, 'u3'))).toEqual({ ok: false, code: Code.ROOM_FULL });
      const state = await backend.room(room, false);
      expect(state?.maxMemberCount).toBe(2);
      expect(state?.count).toBe(2);
    });

    it('admits exactly maxMemberCount of many concurrent joins', async () => {
      const { backend } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u0', { maxMemberCount: 5 }));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => backend.join(joinReq(room, `c${i}`))),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(4);
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === Code.ROOM_FULL)).toBe(true);
      expect((await backend.room(room, false))?.count).toBe(5);
    });

    it('kick-old: a duplicate in the same room removes the old session with a kick', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u2'));
      await backend.join(joinReq(room, 'u1', { sessionID: 'old' }));
      await backend.publishStream({ room, userID: 'u1', sessionID: 'old', streamID: 's1', extraInfo: '' });
      messages.length = 0;
      const r = await backend.join(joinReq(room, 'u1', { sessionID: 'new' }));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.kicked).toEqual([{ room, sessionID: 'old', userID: 'u1' }]);
      expect(messages[0]).toMatchObject({
        kind: 'kick',
        room,
        sessionID: 'old',
        userID: 'u1',
        joinSeq: 2,
        code: Code.KICKED_DUPLICATE_LOGIN,
      });
      expect(events(messages).map((e) => e.event.k)).toEqual(['unpub', 'leave', 'join']);
      expect(r.state.members?.find((m) => m.user.userID === 'u1')?.sessionID).toBe('new');
      expect(r.state.streams).toEqual([]);
    });

    it('kick-old in a full room: the displaced member frees its own place', async () => {
      const { backend } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1', { sessionID: 'old', maxMemberCount: 1 }));
      const r = await backend.join(joinReq(room, 'u1', { sessionID: 'new' }));
      expect(r.ok).toBe(true);
      expect((await backend.room(room, false))?.maxMemberCount).toBe(1);
    });

    it('reject-new: a duplicate login is refused with 1002086 and nothing changes', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1', { sessionID: 'old' }));
      messages.length = 0;
      const r = await backend.join(joinReq(room, 'u1', { sessionID: 'new', duplicateLogin: 'reject-new' }));
      expect(r).toEqual({ ok: false, code: Code.LOGGED_IN_ELSEWHERE });
      expect(messages).toEqual([]);
      expect((await backend.room(room, true))?.members?.[0]?.sessionID).toBe('old');
    });

    it('single-room: the same user in ANY room of the app is a duplicate', async () => {
      const { backend, messages } = await open();
      const a = freshRoom();
      const b = freshRoom();
      await backend.join(joinReq(a, 'u1', { sessionID: 'old' }));
      const r = await backend.join(joinReq(b, 'u1', { sessionID: 'new' }));
      expect(r.ok && r.kicked).toEqual([{ room: a, sessionID: 'old', userID: 'u1' }]);
      expect(messages.some((m) => m.kind === 'kick' && m.room.roomID === a.roomID)).toBe(true);
      expect(await backend.room(a, false)).toBeNull();
    });

    it('multi-room: the same user in another room is not a duplicate when both are multi', async () => {
      const { backend } = await open();
      const a = freshRoom();
      const b = freshRoom();
      await backend.join(joinReq(a, 'u1', { sessionID: 'one', multi: true }));
      const r = await backend.join(joinReq(b, 'u1', { sessionID: 'two', multi: true }));
      expect(r.ok && r.kicked).toEqual([]);
      expect((await backend.room(a, false))?.count).toBe(1);
    });

    it('another app’s user with the same userID is a different user', async () => {
      const { backend } = await open();
      const a = freshRoom();
      await backend.join(joinReq(a, 'u1', { sessionID: 'one' }));
      const other = { appID: APP + 1, roomID: a.roomID };
      const r = await backend.join(joinReq(other, 'u1', { sessionID: 'two' }));
      expect(r.ok && r.kicked).toEqual([]);
      expect(r.ok && r.created).toBe(true);
    });

    it('remove: unpub for each stream, then leave; room destroyed when empty', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1', { maxMemberCount: 3 }));
      await backend.join(joinReq(room, 'u2'));
      const actor = { room, userID: 'u1', sessionID: 's-u1' };
      await backend.publishStream({ ...actor, streamID: 'a', extraInfo: 'x' });
      await backend.publishStream({ ...actor, streamID: 'b', extraInfo: '' });
      await backend.setRoomExtra({ ...actor, key: 'k', value: 'v', maxKeys: 1, nowMs: 5 });
      messages.length = 0;
      expect(await backend.remove({ room, userID: 'u1', sessionID: 's-u1' })).toEqual({
        removed: true,
        destroyed: false,
      });
      expect(events(messages).map((e) => [e.event.k, e.count])).toEqual([
        ['unpub', 2],
        ['unpub', 2],
        ['leave', 1],
      ]);
      expect(messages.some((m) => m.kind === 'kick')).toBe(false);
      const state = await backend.room(room, true);
      expect(state?.streams).toEqual([]);
      expect(state?.extra.map((e) => e.key)).toEqual(['k']);
      expect(await backend.remove({ room, userID: 'u2' })).toEqual({ removed: true, destroyed: true });
      expect(await backend.room(room, false)).toBeNull();
      // Re-created afresh: no extra info, a new maxMemberCount, seq from the start.
      const again = await backend.join(joinReq(room, 'u3', { maxMemberCount: 9 }));
      expect(again.ok && again.created).toBe(true);
      expect(again.ok && again.state.extra).toEqual([]);
      expect(again.ok && again.state.maxMemberCount).toBe(9);
    });

    it('remove with another sessionID leaves the newer membership alone', async () => {
      const { backend } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1', { sessionID: 'new' }));
      expect(await backend.remove({ room, userID: 'u1', sessionID: 'old' })).toEqual({
        removed: false,
        destroyed: false,
      });
      expect(await backend.remove({ room: freshRoom(), userID: 'u1' })).toEqual({
        removed: false,
        destroyed: false,
      });
      expect((await backend.room(room, false))?.count).toBe(1);
    });

    it('remove with a kick tells the session', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      await backend.remove({ room, userID: 'u1', kick: { code: Code.KICKED_BY_BACKEND, ext: 'bye' } });
      expect(messages).toContainEqual({
        kind: 'kick',
        room,
        sessionID: 's-u1',
        userID: 'u1',
        joinSeq: 1,
        code: Code.KICKED_BY_BACKEND,
        ext: 'bye',
      });
    });

    it('streams: a stream ID belongs to one user; only the owner unpublishes or edits it', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      await backend.join(joinReq(room, 'u2'));
      const u1 = { room, userID: 'u1', sessionID: 's-u1' };
      const u2 = { room, userID: 'u2', sessionID: 's-u2' };
      messages.length = 0;
      expect(await backend.publishStream({ ...u1, streamID: 's', extraInfo: 'e' })).toEqual({ ok: true });
      expect(await backend.publishStream({ ...u1, streamID: 's', extraInfo: 'e' })).toEqual({ ok: true });
      expect(await backend.publishStream({ ...u2, streamID: 's', extraInfo: '' })).toEqual({
        ok: false,
        code: Code.INPUT_PARAM,
      });
      expect(await backend.unpublishStream({ ...u2, streamID: 's' })).toEqual({
        ok: false,
        code: Code.INPUT_PARAM,
      });
      expect(await backend.unpublishStream({ ...u1, streamID: 'nope' })).toEqual({
        ok: false,
        code: Code.INPUT_PARAM,
      });
      expect(await backend.setStreamExtra({ ...u2, streamID: 's', extraInfo: 'x' })).toEqual({
        ok: false,
        code: Code.INPUT_PARAM,
      });
      expect(await backend.setStreamExtra({ ...u1, streamID: 's', extraInfo: 'f' })).toEqual({ ok: true });
      expect((await backend.room(room, false))?.streams).toEqual([
        { streamID: 's', user: { userID: 'u1', userName: 'u1-name' }, extraInfo: 'f' },
      ]);
      expect(await backend.unpublishStream({ ...u1, streamID: 's' })).toEqual({ ok: true });
      expect(events(messages).map((e) => e.event.k)).toEqual(['pub', 'sextra', 'unpub']);
      expect(events(messages)[0]?.event).toEqual({
        k: 'pub',
        stream: { streamID: 's', user: { userID: 'u1', userName: 'u1-name' }, extraInfo: 'e' },
      });
    });

    it('room extra info: newest wins, a new key beyond maxKeys is refused (1002017)', async () => {
      const { backend } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      await backend.join(joinReq(room, 'u2'));
      const u1 = { room, userID: 'u1', sessionID: 's-u1' };
      const u2 = { room, userID: 'u2', sessionID: 's-u2' };
      expect(await backend.setRoomExtra({ ...u1, key: 'k', value: 'one', maxKeys: 1, nowMs: 10 })).toEqual({
        ok: true,
      });
      expect(await backend.setRoomExtra({ ...u2, key: 'k', value: 'two', maxKeys: 1, nowMs: 20 })).toEqual({
        ok: true,
      });
      expect(await backend.setRoomExtra({ ...u1, key: 'k2', value: 'x', maxKeys: 1, nowMs: 30 })).toEqual({
        ok: false,
        code: Code.EXTRA_TOO_MANY_KEYS,
      });
      expect(await backend.setRoomExtra({ ...u1, key: 'k2', value: 'x', maxKeys: 2, nowMs: 30 })).toEqual({
        ok: true,
      });
      expect((await backend.room(room, false))?.extra).toEqual([
        { key: 'k', value: 'two', updateUser: { userID: 'u2', userName: 'u2-name' }, updateTime: 20 },
        { key: 'k2', value: 'x', updateUser: { userID: 'u1', userName: 'u1-name' }, updateTime: 30 },
      ]);
    });

    it('broadcast is sequenced with messageID = seq; barrage is not; command keeps its targets', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      const u1 = { room, userID: 'u1', sessionID: 's-u1' };
      messages.length = 0;
      const b1 = await backend.broadcast({ ...u1, message: 'hi', nowMs: 7 });
      const b2 = await backend.broadcast({ ...u1, message: 'again', nowMs: 8 });
      expect(b1).toEqual({ ok: true, messageID: 2 });
      expect(b2).toEqual({ ok: true, messageID: 3 });
      const g1 = await backend.barrage({ ...u1, message: 'b', nowMs: 9 });
      const g2 = await backend.barrage({ ...u1, message: 'c', nowMs: 9 });
      expect(g1.ok && g2.ok && g2.messageID > g1.messageID).toBe(true);
      expect(await backend.command({ ...u1, message: 'cmd', to: ['u2', 'u3'] })).toEqual({ ok: true });
      expect(messages.map((m) => m.kind)).toEqual(['event', 'event', 'barrage', 'barrage', 'event']);
      expect(messages[0]).toEqual({
        kind: 'event',
        room,
        seq: 2,
        count: 1,
        event: {
          k: 'bcast',
          msg: { fromUser: { userID: 'u1', userName: 'u1-name' }, message: 'hi', sendTime: 7, messageID: 2 },
        },
      });
      expect(messages[2]).toMatchObject({ kind: 'barrage', room, msg: { message: 'b', sendTime: 9 } });
      expect(messages[4]).toMatchObject({
        kind: 'event',
        seq: 4,
        event: { k: 'cmd', from: { userID: 'u1' }, msg: 'cmd', to: ['u2', 'u3'] },
      });
      expect((await backend.room(room, false))?.seq).toBe(4);
    });

    it('refuses every mutation from a non-member or a stale session (1000002)', async () => {
      const { backend } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      const notMember = { ok: false, code: Code.NOT_LOGGED_IN };
      for (const actor of [
        { room, userID: 'u9', sessionID: 's-u9' },
        { room, userID: 'u1', sessionID: 'stale' },
        { room: freshRoom(), userID: 'u1', sessionID: 's-u1' },
      ]) {
        expect(await backend.publishStream({ ...actor, streamID: 's', extraInfo: '' })).toEqual(notMember);
        expect(await backend.unpublishStream({ ...actor, streamID: 's' })).toEqual(notMember);
        expect(await backend.setStreamExtra({ ...actor, streamID: 's', extraInfo: '' })).toEqual(notMember);
        expect(await backend.setRoomExtra({ ...actor, key: 'k', value: 'v', maxKeys: 1, nowMs: 0 })).toEqual(
          notMember,
        );
        expect(await backend.broadcast({ ...actor, message: 'm', nowMs: 0 })).toEqual(notMember);
        expect(await backend.barrage({ ...actor, message: 'm', nowMs: 0 })).toEqual(notMember);
        expect(await backend.command({ ...actor, message: 'm', to: ['u1'] })).toEqual(notMember);
      }
    });

    it('history replays what came after a seq, in order, until it is too old', async () => {
      const { backend } = await open(4);
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      const u1 = { room, userID: 'u1', sessionID: 's-u1' };
      for (let i = 0; i < 5; i++) await backend.broadcast({ ...u1, message: `m${i}`, nowMs: i });
      // seq 1 = join, 2..6 = broadcasts; only the last 4 are kept.
      expect((await backend.history(room, 6))?.length).toBe(0);
      expect((await backend.history(room, 4))?.map((e) => e.seq)).toEqual([5, 6]);
      expect((await backend.history(room, 2))?.map((e) => e.seq)).toEqual([3, 4, 5, 6]);
      expect(await backend.history(room, 1)).toBeNull();
      expect(await backend.history(freshRoom(), 0)).toBeNull();
      const replay = await backend.history(room, 5);
      expect(replay?.[0]?.event).toMatchObject({ k: 'bcast', msg: { message: 'm4' } });
    });

    it('publishes each room’s events in strictly increasing seq order under concurrency', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      const u1 = { room, userID: 'u1', sessionID: 's-u1' };
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => backend.broadcast({ ...u1, message: `m${i}`, nowMs: i })),
      );
      const seqs = events(messages, room).map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    });

    it('unsubscribe stops delivery', async () => {
      const { backend } = await open();
      const got: BackendMessage[] = [];
      const off = backend.subscribe((m) => got.push(m));
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      const seen = got.length;
      expect(seen).toBeGreaterThan(0);
      off();
      await backend.join(joinReq(room, 'u2'));
      expect(got.length).toBe(seen);
    });
  });
}
