import type { RoomExtraInfo, RoomSnapshot, StreamInfo, ZegoUser } from '@atrium/protocol';
import { describe, expect, it } from 'vitest';
import { diffEvents, diffViews } from '../src/snapshot.js';
import { applyRoomEvent, emptyView, viewFromSnapshot } from '../src/view.js';

const user = (userID: string): ZegoUser => ({ userID, userName: userID.toUpperCase() });
const stream = (streamID: string, owner: string, extraInfo = ''): StreamInfo => ({
  streamID,
  user: user(owner),
  extraInfo,
});
const extra = (key: string, value: string, by = 'u2'): RoomExtraInfo => ({
  key,
  value,
  updateUser: user(by),
  updateTime: 1,
});
const snap = (s: Partial<RoomSnapshot>): RoomSnapshot => ({ seq: 1, streams: [], extra: [], count: 1, ...s });

describe('viewFromSnapshot', () => {
  it('leaves out the user itself and its own streams', () => {
    const view = viewFromSnapshot(
      snap({
        users: [user('me'), user('u2')],
        streams: [stream('s-me', 'me'), stream('s2', 'u2')],
        count: 2,
      }),
      'me',
      true,
    );
    expect([...(view.users?.keys() ?? [])]).toEqual(['u2']);
    expect([...view.streams.keys()]).toEqual(['s2']);
    expect(view.count).toBe(2);
  });

  it('tracks no users without userUpdate', () => {
    expect(viewFromSnapshot(snap({ users: [user('u2')] }), 'me', false).users).toBeNull();
  });
});

describe('diffViews', () => {
  it('finds nothing between equal views', () => {
    const s = snap({
      users: [user('u2')],
      streams: [stream('s2', 'u2', 'a')],
      extra: [extra('k', 'v')],
      count: 2,
    });
    const diff = diffViews(viewFromSnapshot(s, 'me', true), viewFromSnapshot(s, 'me', true));
    expect(diffEvents('r', diff)).toEqual([]);
  });

  it('reports users, streams, stream extra info, room extra info and count that changed', () => {
    const told = viewFromSnapshot(
      snap({
        users: [user('u2'), user('u3')],
        streams: [stream('s2', 'u2', 'a'), stream('s3', 'u3'), stream('moved', 'u2')],
        extra: [extra('k', 'v1'), extra('gone', 'x')],
        count: 3,
      }),
      'me',
      true,
    );
    const fresh = viewFromSnapshot(
      snap({
        users: [user('u2'), user('u4')],
        streams: [stream('s2', 'u2', 'b'), stream('s4', 'u4'), stream('moved', 'u4')],
        extra: [extra('k', 'v2', 'u4')],
        count: 3,
      }),
      'me',
      true,
    );
    const diff = diffViews(told, fresh);
    expect(diff.usersAdded).toEqual([user('u4')]);
    expect(diff.usersDeleted).toEqual([user('u3')]);
    expect(diff.streamsAdded.map((s) => s.streamID)).toEqual(['s4', 'moved']);
    expect(diff.streamsDeleted.map((s) => s.streamID)).toEqual(['moved', 's3']);
    expect(diff.streamsChanged).toEqual([stream('s2', 'u2', 'b')]);
    expect(diff.extraChanged).toEqual([extra('k', 'v2', 'u4'), { ...extra('gone', 'x'), value: '' }]);
    expect(diff.count).toBeNull();
    expect(
      diffEvents('r', diff).map((e) => `${e.name}:${e.name === 'roomUserUpdate' ? e.args[1] : ''}`),
    ).toEqual([
      'roomUserUpdate:DELETE',
      'roomUserUpdate:ADD',
      'roomStreamUpdate:',
      'roomStreamUpdate:',
      'streamExtraInfoUpdate:',
      'roomExtraInfoUpdate:',
    ]);
  });

  it('ignores users when either side does not track them, and reports a new count', () => {
    const told = viewFromSnapshot(snap({ users: [user('u2')], count: 2 }), 'me', false);
    const fresh = viewFromSnapshot(snap({ users: [user('u3')], count: 5 }), 'me', false);
    const diff = diffViews(told, fresh);
    expect(diff.usersAdded).toEqual([]);
    expect(diff.usersDeleted).toEqual([]);
    expect(diffEvents('r', diff)).toEqual([{ name: 'roomOnlineUserCountUpdate', args: ['r', 5] }]);
  });

  it('from an empty view gives what a login tells: users, streams, extra info, count', () => {
    const fresh = viewFromSnapshot(
      snap({ users: [user('u2')], streams: [stream('s2', 'u2')], extra: [extra('k', 'v')], count: 2 }),
      'me',
      true,
    );
    expect(diffEvents('r', diffViews(emptyView(true), fresh))).toEqual([
      { name: 'roomUserUpdate', args: ['r', 'ADD', [user('u2')]] },
      { name: 'roomStreamUpdate', args: ['r', 'ADD', [stream('s2', 'u2')], ''] },
      { name: 'roomExtraInfoUpdate', args: ['r', [extra('k', 'v')]] },
      { name: 'roomOnlineUserCountUpdate', args: ['r', 2] },
    ]);
  });
});

describe('applyRoomEvent', () => {
  it('keeps the view in step with what it tells the app', () => {
    const view = emptyView(true);
    expect(applyRoomEvent(view, 'r', { k: 'join', user: user('u2') })).toEqual({
      name: 'roomUserUpdate',
      args: ['r', 'ADD', [user('u2')]],
    });
    applyRoomEvent(view, 'r', { k: 'pub', stream: stream('s2', 'u2') });
    applyRoomEvent(view, 'r', { k: 'sextra', stream: stream('s2', 'u2', 'hd') });
    applyRoomEvent(view, 'r', { k: 'extra', info: extra('k', 'v') });
    expect(view.streams.get('s2')?.extraInfo).toBe('hd');
    expect(view.extra.get('k')?.value).toBe('v');
    expect(applyRoomEvent(view, 'r', { k: 'unpub', stream: stream('s2', 'u2') })?.args).toEqual([
      'r',
      'DELETE',
      [stream('s2', 'u2')],
      '',
    ]);
    applyRoomEvent(view, 'r', { k: 'leave', user: user('u2') });
    expect(view.users?.size).toBe(0);
    expect(view.streams.size).toBe(0);
  });

  it('tells no user changes to a room joined without userUpdate', () => {
    expect(applyRoomEvent(emptyView(false), 'r', { k: 'join', user: user('u2') })).toBeNull();
  });

  it('maps messages and commands', () => {
    const msg = { fromUser: user('u2'), message: 'hi', sendTime: 5, messageID: 9 };
    expect(applyRoomEvent(emptyView(false), 'r', { k: 'bcast', msg })).toEqual({
      name: 'IMRecvBroadcastMessage',
      args: ['r', [msg]],
    });
    expect(
      applyRoomEvent(emptyView(false), 'r', { k: 'cmd', from: user('u2'), msg: 'go', to: ['me'] }),
    ).toEqual({
      name: 'IMRecvCustomCommand',
      args: ['r', user('u2'), 'go'],
    });
  });
});
