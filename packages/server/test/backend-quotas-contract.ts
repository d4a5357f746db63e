// The quotas every Backend enforces (memory and Redis alike): run with
// `backendQuotasContract('memory', () => new MemoryBackend())`. Each refusal changes nothing:
// no event, the room's state as before.

import { Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend/backend.js';
import type { BackendMessage, RoomRef } from '../src/backend/types.js';
import { QuotaDefaults } from '../src/defaults.js';
import { joinReq, type MakeBackend } from './backend-contract.js';

let roomCounter = 0;
const TOO_MANY_STREAMS = { ok: false, code: Code.TOO_MANY_STREAMS };

export function backendQuotasContract(name: string, makeBackend: MakeBackend): void {
  describe(`Backend quotas: ${name}`, () => {
    const opened: Backend[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
    });

    async function open(): Promise<{ backend: Backend; messages: BackendMessage[] }> {
      const backend = await makeBackend({ historyMaxEvents: 64 });
      opened.push(backend);
      const messages: BackendMessage[] = [];
      backend.subscribe((m) => messages.push(m));
      return { backend, messages };
    }

    const freshRoom = (): RoomRef => ({ appID: 1, roomID: `quota-${process.pid}-${++roomCounter}` });
    const actorOf = (room: RoomRef, userID: string) => ({ room, userID, sessionID: `s-${userID}` });
    const quota = { maxPerMember: 3, maxPerRoom: 5 };

    it('refuses a member a stream beyond maxPerMember, and changes nothing', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      const u1 = actorOf(room, 'u1');
      for (const id of ['a', 'b', 'c']) {
        expect(await backend.publishStream({ ...u1, streamID: id, extraInfo: '', ...quota })).toEqual({
          ok: true,
        });
      }
      const before = messages.length;
      const seq = (await backend.room(room, false))?.seq;
      expect(await backend.publishStream({ ...u1, streamID: 'd', extraInfo: '', ...quota })).toEqual(
        TOO_MANY_STREAMS,
      );
      // Republishing a listed stream is not a new one.
      expect(await backend.publishStream({ ...u1, streamID: 'a', extraInfo: '', ...quota })).toEqual({
        ok: true,
      });
      const state = await backend.room(room, false);
      expect(state?.seq).toBe(seq);
      expect(state?.streams.map((s) => s.streamID)).toEqual(['a', 'b', 'c']);
      expect(messages.length).toBe(before);

      // An unpublished stream frees its place, whoever unpublished it.
      await backend.unpublishStream({ ...u1, streamID: 'b' });
      expect(await backend.publishStream({ ...u1, streamID: 'd', extraInfo: '', ...quota })).toEqual({
        ok: true,
      });
      await backend.unpublishStream({ ...u1, streamID: 'a', sessionID: '', asServer: { userName: '' } });
      expect(await backend.publishStream({ ...u1, streamID: 'e', extraInfo: '', ...quota })).toEqual({
        ok: true,
      });
      expect(await backend.publishStream({ ...u1, streamID: 'f', extraInfo: '', ...quota })).toEqual(
        TOO_MANY_STREAMS,
      );
    });

    it('refuses any stream beyond maxPerRoom, the business backend’s too', async () => {
      const { backend } = await open();
      const room = freshRoom();
      for (const u of ['u1', 'u2']) await backend.join(joinReq(room, u, { multi: true }));
      for (const id of ['a', 'b', 'c']) {
        await backend.publishStream({ ...actorOf(room, 'u1'), streamID: id, extraInfo: '', ...quota });
      }
      for (const id of ['d', 'e']) {
        await backend.publishStream({ ...actorOf(room, 'u2'), streamID: id, extraInfo: '', ...quota });
      }
      expect(
        await backend.publishStream({ ...actorOf(room, 'u2'), streamID: 'f', extraInfo: '', ...quota }),
      ).toEqual(TOO_MANY_STREAMS);
      const server = { room, userID: 'cdn', sessionID: '', asServer: { userName: '' } };
      expect(await backend.publishStream({ ...server, streamID: 'g', extraInfo: '', ...quota })).toEqual(
        TOO_MANY_STREAMS,
      );
      expect((await backend.room(room, false))?.streams).toHaveLength(5);
    });

    it('gives a member back its quota when it leaves with its streams', async () => {
      const { backend } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'keeper'));
      await backend.join(joinReq(room, 'u1'));
      for (const id of ['a', 'b', 'c']) {
        await backend.publishStream({ ...actorOf(room, 'u1'), streamID: id, extraInfo: '', ...quota });
      }
      await backend.remove({ room, userID: 'u1' });
      await backend.join(joinReq(room, 'u1', { sessionID: 's-u1' }));
      for (const id of ['a', 'b', 'c']) {
        expect(
          await backend.publishStream({ ...actorOf(room, 'u1'), streamID: id, extraInfo: '', ...quota }),
        ).toEqual({ ok: true });
      }
    });

    it('refuses a join beyond the server cap, whatever maxMemberCount the room has', async () => {
      const { backend, messages } = await open();
      const room = freshRoom();
      const cap = { maxRoomMembers: 2 };
      expect((await backend.join(joinReq(room, 'u1', { ...cap, maxMemberCount: 5 }))).ok).toBe(true);
      expect((await backend.join(joinReq(room, 'u2', cap))).ok).toBe(true);
      const before = messages.length;
      expect(await backend.join(joinReq(room, 'u3', cap))).toEqual({ ok: false, code: Code.ROOM_FULL });
      expect(messages.length).toBe(before);
      expect((await backend.room(room, false))?.count).toBe(2);
      // The same user logging in again takes its own place.
      expect((await backend.join(joinReq(room, 'u2', { ...cap, sessionID: 's-u2-again' }))).ok).toBe(true);
    });

    it('lets the business backend open a room its creator squatted with maxMemberCount 1', async () => {
      const { backend } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'squatter', { maxMemberCount: 1 }));
      expect(await backend.join(joinReq(room, 'u2'))).toEqual({ ok: false, code: Code.ROOM_FULL });
      expect(await backend.setRoomCapacity({ room, maxMemberCount: 0 })).toEqual({ ok: true });
      expect((await backend.join(joinReq(room, 'u2'))).ok).toBe(true);
      expect((await backend.join(joinReq(room, 'u3', { maxRoomMembers: 2 }))).ok).toBe(false);
      expect(await backend.setRoomCapacity({ room, maxMemberCount: 2 })).toEqual({ ok: true });
      expect((await backend.room(room, false))?.maxMemberCount).toBe(2);
      expect(await backend.join(joinReq(room, 'u3'))).toEqual({ ok: false, code: Code.ROOM_FULL });
      expect(await backend.setRoomCapacity({ room: freshRoom(), maxMemberCount: 3 })).toEqual({
        ok: false,
        code: Code.NOT_LOGGED_IN,
      });
    });

    it('counts a user’s rooms across all its sessions, not those a join displaces', async () => {
      const { backend, messages } = await open();
      const rooms = [freshRoom(), freshRoom(), freshRoom(), freshRoom()];
      const limit = { multi: true, maxRoomsPerUser: 3 };
      for (const [i, room] of rooms.slice(0, 3).entries()) {
        expect((await backend.join(joinReq(room, 'u1', { ...limit, sessionID: `link-${i}` }))).ok).toBe(true);
      }
      const before = messages.length;
      expect(await backend.join(joinReq(rooms[3]!, 'u1', { ...limit, sessionID: 'link-3' }))).toEqual({
        ok: false,
        code: Code.TOO_MANY_ROOMS,
      });
      expect(await backend.room(rooms[3]!, false)).toBeNull();
      expect(messages.length).toBe(before);
      // Another login to a room it is in takes that place; another user is not affected.
      expect((await backend.join(joinReq(rooms[0]!, 'u1', { ...limit, sessionID: 'link-4' }))).ok).toBe(true);
      expect((await backend.join(joinReq(rooms[3]!, 'u2', limit))).ok).toBe(true);
      // A room left frees its place.
      await backend.remove({ room: rooms[1]!, userID: 'u1' });
      expect((await backend.join(joinReq(rooms[3]!, 'u1', { ...limit, sessionID: 'link-5' }))).ok).toBe(true);
      // A single-room login displaces them all.
      const single = await backend.join(
        joinReq(freshRoom(), 'u1', { maxRoomsPerUser: 3, sessionID: 'solo' }),
      );
      expect(single.ok && single.kicked.length).toBe(3);
    });

    it('applies the default quotas when none are given', async () => {
      const { backend } = await open();
      const room = freshRoom();
      await backend.join(joinReq(room, 'u1'));
      const u1 = actorOf(room, 'u1');
      for (let i = 0; i < QuotaDefaults.streamsPerMember; i++) {
        expect(await backend.publishStream({ ...u1, streamID: `s${i}`, extraInfo: '' })).toEqual({
          ok: true,
        });
      }
      expect(await backend.publishStream({ ...u1, streamID: 'more', extraInfo: '' })).toEqual(
        TOO_MANY_STREAMS,
      );
    });
  });
}
