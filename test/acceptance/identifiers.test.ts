// docs/contract.md, identifiers and limits: every identifier rule has its code, checked by the SDK
// before any traffic (the server checks again; packages/server/test covers that side with raw
// frames).

import { afterEach, describe, expect, it } from 'vitest';
import { joined, token, World } from '../support/world.js';

let world: World;
afterEach(async () => world.close());

const ROOM_CHARS = "~!@#$%^&*()_+=-`;',.<>/";

describe('login identifiers', () => {
  const rows: [string, string, string, string | undefined, number][] = [
    ['empty roomID', '', 'ann', undefined, 1002011],
    ['roomID with a space', 'a b', 'ann', undefined, 1002012],
    ['roomID with a non-ASCII letter', 'zimmer-ä', 'ann', undefined, 1002012],
    ['roomID of 129 bytes', 'r'.repeat(129), 'ann', undefined, 1002013],
    ['empty userID', 'r1', '', undefined, 1002005],
    ['userID with "<"', 'r1', 'a<b', undefined, 1002006],
    ['userID with "/"', 'r1', 'a/b', undefined, 1002006],
    ['userID of 65 bytes', 'r1', 'u'.repeat(65), undefined, 1002007],
    ['userName of 257 bytes', 'r1', 'ann', 'n'.repeat(257), 1002010],
  ];
  it.each(rows.map((r) => [`${r[0]} → LOGIN_FAILED ${r[4]}`, ...r.slice(1)] as typeof r))(
    '%s',
    async (_, roomID, userID, userName, code) => {
      world = new World();
      const server = await world.server();
      const { engine, rec } = world.client(server);
      const user = userName === undefined ? { userID } : { userID, userName };
      await expect(
        engine.loginRoom(roomID, token(userID.length > 0 && userID.length <= 64 ? userID : 'x'), user),
      ).rejects.toMatchObject({ code });
      expect(rec.states(roomID)).toEqual(['LOGINING:0', `LOGIN_FAILED:${code}`]);
    },
  );

  it('accepts every allowed character at the maximum lengths', async () => {
    world = new World();
    const server = await world.server();
    const roomID = (ROOM_CHARS + 'aZ09').padEnd(128, 'x');
    const userID = ("~!@#$%^&*()_+=-`;',." + 'aZ09').padEnd(64, 'y');
    const { engine } = world.client(server);
    await expect(
      engine.loginRoom(roomID, token(userID), { userID, userName: 'n'.repeat(256) }),
    ).resolves.toBe(true);
  });
});

describe('content limits', () => {
  it('messages are 1–1024 bytes by default, counted in UTF-8; failures reject with ZEGO’s codes', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 0,
        (err: { errorCode: number }) => err.errorCode,
      );
    expect(await code(ann.engine.sendBroadcastMessage('r1', ''))).toBe(1009001);
    // Past the SDK (which lets ZEGO's 10240 bytes through), the server's 1024-byte limit refuses it.
    expect(await code(ann.engine.sendBroadcastMessage('r1', 'x'.repeat(1025)))).toBe(1009013);
    expect(await code(ann.engine.sendBroadcastMessage('r1', 'é'.repeat(513)))).toBe(1009013);
    expect(await code(ann.engine.sendBroadcastMessage('r1', 'x'.repeat(1024)))).toBe(0);
    expect(await code(ann.engine.sendBroadcastMessage('r1', 'x'.repeat(10241)))).toBe(1009013);
    expect(await code(ann.engine.sendBarrageMessage('r1', 'x'.repeat(1025)))).toBe(1009013);
    expect(await code(ann.engine.sendCustomCommand('r1', 'x'.repeat(1025), ['bob']))).toBe(1009002);
    expect(await code(ann.engine.sendCustomCommand('r1', 'x', []))).toBe(0);
  });

  it('stream IDs are 1–256 bytes of letters, digits, "-", "_" and "."; a bad one throws ZEGO’s code', async () => {
    world = new World();
    const server = await world.server();
    const ann = await joined(world, server, 'r1', 'ann');
    const thrown = (streamID: string) => {
      try {
        ann.engine.startPublishingStream(streamID);
        return 0;
      } catch (err) {
        return (err as { errorCode: number }).errorCode;
      }
    };
    expect(thrown('')).toBe(1000015);
    expect(thrown('a b')).toBe(1000016);
    expect(thrown('s'.repeat(257))).toBe(1000014);
    expect(ann.engine.startPublishingStream('Ok-stream_1.0')).toBe(true);
  });
});
