// examples/node-bot.mjs as a reader runs it: a child process against a development server (its
// token from /dev/token), chatted with by an SDK client. It answers `!ping` and nothing else,
// and Ctrl-C (SIGINT) logs it out and ends it with code 0.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BroadcastMessageInfo, ZegoUser } from '@atrium/sdk';
import { createRoomServer, type RoomServer } from '@atrium/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, outputOf, stopChild, track } from '../support/children.js';
import { until } from '../support/until.js';
import { APP_ID, joined, SECRET, World } from '../support/world.js';

const BOT = fileURLToPath(new URL('../../examples/node-bot.mjs', import.meta.url));

const world = new World();
let server: RoomServer;

beforeAll(async () => {
  server = await createRoomServer({
    apps: [{ appID: APP_ID, serverSecret: SECRET }],
    devMode: true,
    port: 0,
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await world.close();
  await server.close();
});

describe('examples/node-bot.mjs', () => {
  it('answers !ping with pong, ignores other messages, and leaves the room on SIGINT', async () => {
    const ann = await joined(world, server, 'bots', 'ann');
    const bot = track(
      spawn(process.execPath, [BOT], {
        env: { PATH: process.env.PATH ?? '', ATRIUM_URL: server.httpUrl, ROOM_ID: 'bots', BOT_ID: 'pinger' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const output = outputOf(bot, 100_000);
    const exited = exitOf(bot, (code) => `the bot exited with ${code}: ${output()}`);
    const isBot = (args: unknown[]) =>
      args[1] === 'ADD' && (args[2] as ZegoUser[]).some((u) => u.userID === 'pinger');
    await Promise.race([ann.rec.waitFor('roomUserUpdate', isBot, { timeoutMs: 15_000 }), exited]);
    await until(() => output().includes('ready'), { failure: () => `not ready: ${output()}` });

    const from = ann.rec.all.length;
    await ann.engine.sendBroadcastMessage('bots', 'hello, bot');
    await ann.engine.sendBroadcastMessage('bots', '!ping');
    const [, messages] = await Promise.race([
      ann.rec.waitFor('IMRecvBroadcastMessage', () => true, { from }),
      exited,
    ]);
    expect((messages as BroadcastMessageInfo[]).map((m) => [m.fromUser.userID, m.message])).toEqual([
      ['pinger', 'pong'],
    ]);
    // The room is ordered: a second ping's answer comes after any the first message had caused.
    const second = ann.rec.all.length;
    await ann.engine.sendBroadcastMessage('bots', '!ping');
    await ann.rec.waitFor('IMRecvBroadcastMessage', () => true, { from: second });
    const pongs = ann.rec.of('IMRecvBroadcastMessage', 'bots').flatMap((a) => a[1] as BroadcastMessageInfo[]);
    expect(pongs.map((m) => m.message)).toEqual(['pong', 'pong']);

    const leaving = ann.rec.all.length;
    const code = new Promise<number | null>((resolve) => bot.once('exit', resolve));
    bot.kill('SIGINT');
    expect(await code, output()).toBe(0);
    expect(output()).toContain('bye');
    const [, type, users] = await ann.rec.waitFor('roomUserUpdate', () => true, { from: leaving });
    expect([type, (users as ZegoUser[]).map((u) => u.userID)]).toEqual(['DELETE', ['pinger']]);
    await stopChild(bot);
  });

  it('says what is wrong when no room server answers, and exits with 1', async () => {
    const closed = await createRoomServer({
      apps: [{ appID: APP_ID, serverSecret: SECRET }],
      devMode: true,
      port: 0,
      logLevel: 'silent',
    });
    const url = closed.httpUrl;
    await closed.close();
    const bot = track(
      spawn(process.execPath, [BOT], {
        env: { PATH: process.env.PATH ?? '', ATRIUM_URL: url },
        stdio: 'pipe',
      }),
    );
    const output = outputOf(bot, 10_000);
    const code = await new Promise<number | null>((resolve) => bot.once('exit', resolve));
    expect(code).toBe(1);
    expect(output()).toContain(`No room server at ${url} (ECONNREFUSED)`);
  });
});
