// The quotas as a client and the business backend meet them: refused with their code, counted in
// atrium_limited_total{limit}, and nothing else changes. The backends' own checks are in
// backend-quotas-contract.ts.

import { AdminCode, Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, adminOk } from './admin-helpers.js';
import { Harness, limited } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

describe('stream quotas', () => {
  it('refuse a new stream past maxStreamsPerMember or maxStreamsPerRoom, from pub and AddStream', async () => {
    const s = await h.server({ maxStreamsPerMember: 2, maxStreamsPerRoom: 3 });
    const ann = await h.client(s);
    await ann.joined('r1', 'ann');
    const pub = (stream: string) => ann.request({ t: 'pub', room: 'r1', stream });
    expect((await pub('a1')).code).toBe(Code.OK);
    expect((await pub('a2')).code).toBe(Code.OK);
    expect((await pub('a3')).code).toBe(Code.TOO_MANY_STREAMS);
    expect((await pub('a1')).code).toBe(Code.OK);

    await adminOk(s, 'AddStream', { RoomId: 'r1', UserId: 'cdn', StreamId: 'c1' });
    const { reply } = await admin(s, 'AddStream', { RoomId: 'r1', UserId: 'cdn', StreamId: 'c2' });
    expect(reply.Code).toBe(AdminCode.INPUT_ERROR);
    expect(reply.Message).toContain(String(Code.TOO_MANY_STREAMS));
    expect(await limited(s.httpUrl, 'streams')).toBe(2);
    expect(await adminOk(s, 'DescribeSimpleStreamList', { RoomId: 'r1' })).toMatchObject({
      StreamList: [{ StreamId: 'a1' }, { StreamId: 'a2' }, { StreamId: 'c1' }],
    });
  });
});

describe('room capacity', () => {
  it('is capped by maxRoomMembers, and SetRoomCapacity opens a room squatted with maxMemberCount 1', async () => {
    const s = await h.server({ maxRoomMembers: 2 });
    const squatter = await h.client(s);
    await squatter.joined('r1', 'squatter', { maxMemberCount: 1 });
    const bob = await h.client(s);
    expect((await bob.login('r1', 'bob')).code).toBe(Code.ROOM_FULL);

    const set = (input: Record<string, string>) => admin(s, 'SetRoomCapacity', { RoomId: 'r1', ...input });
    expect((await set({})).reply.Code).toBe(AdminCode.INPUT_ERROR);
    expect((await set({ MaxMemberCount: '-1' })).reply.Code).toBe(AdminCode.INPUT_ERROR);
    expect((await set({ RoomId: 'gone', MaxMemberCount: '0' })).reply.Code).toBe(AdminCode.ROOM_NOT_EXIST);
    expect(await adminOk(s, 'SetRoomCapacity', { RoomId: 'r1', MaxMemberCount: '0' })).toEqual({});
    await bob.joined('r1', 'bob');
    // 0 means up to the server's cap: a third member is refused.
    const cat = await h.client(s);
    expect((await cat.login('r1', 'cat')).code).toBe(Code.ROOM_FULL);
    expect(await limited(s.httpUrl, 'room_members')).toBe(2);
  });
});

describe('rooms per user', () => {
  it('are counted across all the user’s links', async () => {
    const s = await h.server({ maxRoomsPerUser: 2 });
    const first = await h.client(s);
    await first.joined('r1', 'ann', { multi: true });
    const second = await h.client(s);
    await second.joined('r2', 'ann', { multi: true });
    const third = await h.client(s);
    expect((await third.login('r3', 'ann', { multi: true })).code).toBe(Code.TOO_MANY_ROOMS);
    // From a link that holds one of the two rooms too.
    expect((await first.login('r3', 'ann', { multi: true })).code).toBe(Code.TOO_MANY_ROOMS);
    expect(await limited(s.httpUrl, 'rooms_per_user')).toBe(2);
    await second.request({ t: 'logout', room: 'r2' });
    await third.joined('r3', 'ann', { multi: true });
  });
});
