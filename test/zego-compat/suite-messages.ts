// Compatibility scenarios for messages and streams: failures caught with try/catch, broadcast,
// barrage, custom and transparent messages, handler registration, and publishing as ZEGO's
// startPublishingStream / publisherStateUpdate / roomStreamUpdate document it.

import type {
  ZegoBarrageMessageInfo,
  ZegoBroadcastMessageInfo,
  ZegoPublisherState,
  ZegoRoomSendTransparentMessage,
  ZegoStreamList,
} from '@atrium/sdk';
import { barrier, check, failure, next, record, type Scenarios, same, scenario, user } from './kit.js';

/** ZEGO's reason for a stream its publisher stopped: `stream_delete_reason[].code` 1. */
const STOPPED = { code: 1, description: 'user_stop_publishing_stream_normal' };

/** Placeholder for the MediaStream a ZEGO app passes: publishing here is signalling only. */
const localStream = {} as MediaStream;

export const messageScenarios: Scenarios = {
  'failed IM and stream calls reject, and try/catch reads errorCode and extendedData': scenario(async (s) => {
    const zg = await s.login('fail', 'ann');
    const long = 'x'.repeat(20_000);
    const empty: ZegoRoomSendTransparentMessage = {
      sendMode: 0,
      sendType: 0,
      content: new Uint8Array(0),
      recvUserList: [],
    };
    const cases: [string, () => Promise<unknown>, number][] = [
      ['empty broadcast', () => zg.sendBroadcastMessage('fail', ''), 1009001],
      ['empty barrage', () => zg.sendBarrageMessage('fail', ''), 1009001],
      ['empty command', () => zg.sendCustomCommand('fail', '', []), 1009001],
      ['empty transparent message', () => zg.sendTransparentMessage('fail', empty), 1009001],
      ['too long broadcast', () => zg.sendBroadcastMessage('fail', long), 1009013],
      ['too long command', () => zg.sendCustomCommand('fail', long, []), 1009002],
      ['broadcast to another room', () => zg.sendBroadcastMessage('elsewhere', 'hi'), 1009005],
      ['empty room extra info key', () => zg.setRoomExtraInfo('fail', '', 'v'), 1002014],
      ['extra info of a stream not published', () => zg.setStreamExtraInfo('nope', 'x'), 1103055],
    ];
    for (const [what, call, code] of cases) same((await failure(what, call)).errorCode, code, what);
  }),

  'broadcast and barrage arrive with ZEGO message shapes, at the other members only': scenario(async (s) => {
    const ann = await s.login('chat', 'ann');
    const bob = await s.login('chat', 'bob');
    const own = record(ann, 'IMRecvBroadcastMessage');
    const gotBroadcast = next(bob, 'IMRecvBroadcastMessage', (r) => r === 'chat');
    const sent = await ann.sendBroadcastMessage('chat', 'hello');
    same(sent.errorCode, 0, 'broadcast errorCode');
    check(
      typeof sent.messageID === 'number',
      `broadcast messageID ${String(sent.messageID)} is not a number`,
    );
    const [, list] = await gotBroadcast;
    const m = list[0] as ZegoBroadcastMessageInfo;
    same(list.length, 1, 'broadcast list length');
    same([m.fromUser, m.message, m.messageID], [user('ann'), 'hello', sent.messageID], 'broadcast received');
    check(typeof m.sendTime === 'number' && m.sendTime > 0, `sendTime ${m.sendTime}`);

    const gotBarrage = next(bob, 'IMRecvBarrageMessage', (r) => r === 'chat');
    const shot = await ann.sendBarrageMessage('chat', 'wow');
    same(shot.errorCode, 0, 'barrage errorCode');
    check(typeof shot.messageID === 'string', `barrage messageID ${String(shot.messageID)} is not a string`);
    const [, shots] = await gotBarrage;
    const b = shots[0] as ZegoBarrageMessageInfo;
    same([b.fromUser.userID, b.message, b.messageID], ['ann', 'wow', shot.messageID], 'barrage received');

    await barrier(bob, ann, 'chat', 'ann');
    same(own, [], "the sender's own broadcasts delivered to it");
  }),

  'a callback registered twice fires once, and off removes it': scenario(async (s) => {
    const ann = await s.login('twice', 'ann');
    const bob = await s.login('twice', 'bob');
    const heard: unknown[] = [];
    const onCommand = (_roomID: string, _from: unknown, command: unknown) => {
      heard.push(command);
    };
    check(bob.on('IMRecvCustomCommand', onCommand) === true, 'first on is not true');
    check(bob.on('IMRecvCustomCommand', onCommand) === true, 'second on is not true');
    await ann.sendCustomCommand('twice', 'one', ['bob']);
    await barrier(ann, bob, 'twice', 'bob');
    same(
      heard.filter((c) => c === 'one'),
      ['one'],
      'deliveries of "one"',
    );
    check(bob.off('IMRecvCustomCommand', onCommand) === true, 'off is not true');
    await ann.sendCustomCommand('twice', 'two', ['bob']);
    await barrier(ann, bob, 'twice', 'bob');
    same(
      heard.filter((c) => c === 'two'),
      [],
      'deliveries of "two" after off',
    );
  }),

  'custom commands: an object arrives as the object; an empty user list reaches everyone else': scenario(
    async (s) => {
      const ann = await s.login('cmd', 'ann');
      const bob = await s.login('cmd', 'bob');
      const cy = await s.login('cmd', 'cy');
      const annHeard = record(ann, 'IMRecvCustomCommand');
      const cyHeard = record(cy, 'IMRecvCustomCommand');
      const invite = { kind: 'invite', seat: 2, tags: ['a', 'b'] };
      const toBob = next(bob, 'IMRecvCustomCommand', (r) => r === 'cmd');
      same(
        await ann.sendCustomCommand('cmd', invite, ['bob']),
        { errorCode: 0, extendedData: '' },
        'resolved',
      );
      const [, from, command] = await toBob;
      same([from.userID, command], ['ann', invite], 'bob received');

      const bobAll = next(bob, 'IMRecvCustomCommand', (_r, _f, c) => c === 'everyone');
      const cyAll = next(cy, 'IMRecvCustomCommand', (_r, _f, c) => c === 'everyone');
      same((await ann.sendCustomCommand('cmd', 'everyone', [])).errorCode, 0, 'errorCode');
      await Promise.all([bobAll, cyAll]);
      same(
        cyHeard.map((a) => a[2]),
        ['everyone'],
        'what cy received (not the object sent to bob)',
      );
      await barrier(bob, ann, 'cmd', 'ann');
      same(
        annHeard.map((a) => a[2]).filter((c) => !String(c).startsWith('barrier-')),
        [],
        'commands the sender received back',
      );
    },
  ),

  'transparent messages: bytes to the room and to a user list': scenario(async (s) => {
    const ann = await s.login('bin', 'ann');
    const bob = await s.login('bin', 'bob');
    const cy = await s.login('bin', 'cy');
    const cyGot = record(cy, 'recvRoomTransparentMessage');
    const toRoom = [next(bob, 'recvRoomTransparentMessage'), next(cy, 'recvRoomTransparentMessage')];
    // ZEGO's enums are declared, not exported at run time: apps pass the numbers (OnlyClient, Normal).
    const all: ZegoRoomSendTransparentMessage = {
      sendMode: 0,
      sendType: 0,
      content: new Uint8Array([1, 2, 3, 250]),
      recvUserList: [],
      timeOut: 5,
    };
    same((await ann.sendTransparentMessage('bin', all)).errorCode, 0, 'to the room: errorCode');
    for (const got of toRoom) {
      const [roomID, msg] = await got;
      check(msg.content instanceof Uint8Array, 'content is not a Uint8Array');
      same([roomID, msg.sendUser.userID, msg.content], ['bin', 'ann', all.content], 'received');
    }
    const toBob = next(bob, 'recvRoomTransparentMessage');
    const one = { ...all, content: new Uint8Array([9, 8, 7]), recvUserList: [user('bob')] };
    same((await ann.sendTransparentMessage('bin', one)).errorCode, 0, 'to bob: errorCode');
    same((await toBob)[1].content, one.content, 'bob received');
    await barrier(ann, cy, 'bin', 'cy');
    same(
      cyGot.map((a) => a[1].content),
      [all.content],
      'what cy received',
    );
  }),

  'startPublishingStream(streamID, localStream, { roomID, extraInfo }): states, ADD, extra info, DELETE reason':
    scenario(async (s) => {
      const ann = s.engine();
      check(ann.enableMultiRoom(true) === true, 'enableMultiRoom(true) is not true');
      await s.login('pub-a', 'ann', { zg: ann });
      await s.login('pub-b', 'ann', { zg: ann });
      const bob = await s.login('pub-b', 'bob');
      const states = record(ann, 'publisherStateUpdate');
      const publishing = next(ann, 'publisherStateUpdate', (p) => p.state === 'PUBLISHING');
      const added = next(bob, 'roomStreamUpdate', (r, type) => r === 'pub-b' && type === 'ADD');
      const ok = ann.startPublishingStream('cam-ann', localStream, { roomID: 'pub-b', extraInfo: 'front' });
      same(ok, true, 'startPublishingStream');
      await publishing;
      same(
        states.map(([p]: [ZegoPublisherState]) => [p.state, p.streamID, p.errorCode]),
        [
          ['PUBLISH_REQUESTING', 'cam-ann', 0],
          ['PUBLISHING', 'cam-ann', 0],
        ],
        'publisherStateUpdate',
      );
      const [, , list, addExt] = await added;
      const stream = list[0] as ZegoStreamList;
      same(
        [list.length, stream.streamID, stream.user.userID, stream.extraInfo, addExt],
        [1, 'cam-ann', 'ann', 'front', ''],
        'bob: roomStreamUpdate ADD in pub-b',
      );
      check(typeof stream.urlsFLV === 'string', 'a ZegoStreamList without urlsFLV');
      same(
        ann.startPublishingStream('cam-ann', localStream, { roomID: 'pub-b' }),
        false,
        'the same stream again',
      );

      const changed = next(bob, 'streamExtraInfoUpdate', (r) => r === 'pub-b');
      same(
        await ann.setStreamExtraInfo('cam-ann', 'back'),
        { errorCode: 0, extendedData: '' },
        'setStreamExtraInfo',
      );
      const [, infos] = await changed;
      same(
        infos.map((i) => [i.streamID, i.user.userID, i.extraInfo]),
        [['cam-ann', 'ann', 'back']],
        'streamExtraInfoUpdate',
      );

      const stopped = next(ann, 'publisherStateUpdate', (p) => p.state === 'NO_PUBLISH');
      const deleted = next(bob, 'roomStreamUpdate', (r, type) => r === 'pub-b' && type === 'DELETE');
      same(ann.stopPublishingStream('cam-ann'), true, 'stopPublishingStream');
      same((await stopped)[0].errorCode, 0, 'NO_PUBLISH errorCode after a stop');
      const [, , gone, ext] = await deleted;
      same(
        gone.map((g) => g.streamID),
        ['cam-ann'],
        'DELETE stream list',
      );
      same(
        JSON.parse(ext),
        { stream_delete_reason: [{ stream_id: 'cam-ann', ...STOPPED }] },
        'DELETE extendedData',
      );
    }),

  'a publish the token does not allow ends in NO_PUBLISH with the code': scenario(async (s) => {
    const cy = await s.login('pub-no', 'cy', { canPublish: false });
    const states = record(cy, 'publisherStateUpdate');
    const refused = next(cy, 'publisherStateUpdate', (p) => p.state === 'NO_PUBLISH');
    same(
      cy.startPublishingStream('cam-cy', localStream, { roomID: 'pub-no' }),
      true,
      'startPublishingStream',
    );
    const [p] = await refused;
    same([p.streamID, p.errorCode], ['cam-cy', 1002082], 'NO_PUBLISH');
    check(typeof p.extendedData === 'string', 'NO_PUBLISH extendedData is not a string');
    same(
      states.map(([q]) => q.state),
      ['PUBLISH_REQUESTING', 'NO_PUBLISH'],
      'publisherStateUpdate',
    );
  }),
};
