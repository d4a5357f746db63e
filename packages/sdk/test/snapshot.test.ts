import type { RoomEvent, RoomExtraInfo, RoomSnapshot, StreamInfo, ZegoUser } from '@atrium/protocol';
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
/** A stream as roomStreamUpdate delivers it: ZEGO's shape, with its CDN URL fields empty. */
const zego = (s: StreamInfo) => ({
  ...s,
  urlsFLV: '',
  urlsRTMP: '',
  urlsHLS: '',
  urlsHttpsFLV: '',
  urlsHttpsHLS: '',
});
/** DELETE's extendedData: ZEGO's stream_delete_reason list. */
const deleteReason = (code: number, description: string, ...ids: string[]) =>
  JSON.stringify({ stream_delete_reason: ids.map((stream_id) => ({ stream_id, code, description })) });
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
    const events = diffEvents('r', diff);
    expect(
      events.map(
        (e) => `${e.name}:${e.name === 'roomUserUpdate' || e.name === 'roomStreamUpdate' ? e.args[1] : ''}`,
      ),
    ).toEqual([
      'roomUserUpdate:DELETE',
      'roomUserUpdate:ADD',
      'roomStreamUpdate:DELETE',
      'roomStreamUpdate:ADD',
      'streamExtraInfoUpdate:',
      'roomExtraInfoUpdate:',
    ]);
    // A snapshot does not say why a stream went: code 0, unknown.
    expect(events[2]?.args).toEqual([
      'r',
      'DELETE',
      [zego(stream('moved', 'u2')), zego(stream('s3', 'u3'))],
      deleteReason(0, 'unknown', 'moved', 's3'),
    ]);
    expect(events[3]?.args).toEqual([
      'r',
      'ADD',
      [zego(stream('s4', 'u4')), zego(stream('moved', 'u4'))],
      '',
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
      { name: 'roomStreamUpdate', args: ['r', 'ADD', [zego(stream('s2', 'u2'))], ''] },
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
      [zego(stream('s2', 'u2'))],
      deleteReason(0, 'unknown', 's2'),
    ]);
    applyRoomEvent(view, 'r', { k: 'leave', user: user('u2') });
    expect(view.users?.size).toBe(0);
    expect(view.streams.size).toBe(0);
  });

  it('tells no user changes to a room joined without userUpdate', () => {
    expect(applyRoomEvent(emptyView(false), 'r', { k: 'join', user: user('u2') })).toBeNull();
  });

  it("a stream added is told in ZEGO's shape with an empty extendedData", () => {
    expect(applyRoomEvent(emptyView(false), 'r', { k: 'pub', stream: stream('s2', 'u2') })?.args).toEqual([
      'r',
      'ADD',
      [zego(stream('s2', 'u2'))],
      '',
    ]);
  });

  it("a stream deleted carries the unpub event's why as ZEGO's stream_delete_reason", () => {
    const cases: [number, string][] = [
      [1, 'user_stop_publishing_stream_normal'],
      [2, 'user_heart_beat_timeout'],
      [3, 'user_repeat_login'],
      [4, 'user_kicked_out'],
      [5, 'user_offline'],
      [6, 'remove_by_server'],
      [0, 'unknown'],
      [99, 'unknown'],
    ];
    for (const [why, description] of cases) {
      const view = emptyView(false);
      applyRoomEvent(view, 'r', { k: 'pub', stream: stream('s2', 'u2') });
      const told = applyRoomEvent(view, 'r', { k: 'unpub', stream: stream('s2', 'u2'), why });
      expect(told?.args[3]).toBe(deleteReason(why, description, 's2'));
      expect(JSON.parse(told?.args[3] as string)).toEqual({
        stream_delete_reason: [{ stream_id: 's2', code: why, description }],
      });
    }
  });

  it('maps messages and commands; a broadcast messageID is a number', () => {
    const msg = { fromUser: user('u2'), message: 'hi', sendTime: 5, messageID: 9 };
    expect(applyRoomEvent(emptyView(false), 'r', { k: 'bcast', msg })).toEqual({
      name: 'IMRecvBroadcastMessage',
      args: ['r', [msg]],
    });
    expect(
      applyRoomEvent(emptyView(false), 'r', { k: 'bcast', msg: { ...msg, messageID: '12' } })?.args,
    ).toEqual(['r', [{ ...msg, messageID: 12 }]]);
    expect(
      applyRoomEvent(emptyView(false), 'r', { k: 'cmd', from: user('u2'), msg: 'go', to: ['me'] }),
    ).toEqual({
      name: 'IMRecvCustomCommand',
      args: ['r', user('u2'), 'go'],
    });
  });

  it("an object command (enc 'json') reaches IMRecvCustomCommand as the object", () => {
    const cmd: RoomEvent = { k: 'cmd', from: user('u2'), msg: '{"op":"mute","n":[1]}', to: [], enc: 'json' };
    expect(applyRoomEvent(emptyView(false), 'r', cmd)).toEqual({
      name: 'IMRecvCustomCommand',
      args: ['r', user('u2'), { op: 'mute', n: [1] }],
    });
    expect(applyRoomEvent(emptyView(false), 'r', { ...cmd, msg: '{not json' })).toBeNull();
  });

  it("bytes (enc 'bin') reach recvRoomTransparentMessage as { sendUser, content: Uint8Array }", () => {
    const cmd: RoomEvent = { k: 'cmd', from: user('u2'), msg: 'AAEC/w==', to: ['me'], enc: 'bin' };
    const told = applyRoomEvent(emptyView(false), 'r', cmd);
    expect(told).toEqual({
      name: 'recvRoomTransparentMessage',
      args: ['r', { sendUser: user('u2'), content: new Uint8Array([0, 1, 2, 255]) }],
    });
    expect((told?.args[1] as { content: unknown } | undefined)?.content).toBeInstanceOf(Uint8Array);
    expect(applyRoomEvent(emptyView(false), 'r', { ...cmd, msg: '*not base64*' })).toBeNull();
  });
});
