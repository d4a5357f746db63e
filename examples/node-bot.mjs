// A bot in a room: it logs in with a token from a development server's /dev/token, answers every
// `!ping` broadcast with `pong`, and on Ctrl-C (SIGINT) logs out and exits, so the others see it
// leave at once instead of when its connection times out.
//
//   node examples/node-bot.mjs                      # the room "lobby" on http://127.0.0.1:8800
//   ATRIUM_URL=http://127.0.0.1:9000 ROOM_ID=games BOT_ID=pinger node examples/node-bot.mjs
//
// Against a production server, get the token from your business server instead of /dev/token.

import { ZegoExpressEngine } from '@atrium/sdk';

const base = process.env.ATRIUM_URL ?? 'http://127.0.0.1:8800';
const roomID = process.env.ROOM_ID ?? 'lobby';
const userID = process.env.BOT_ID ?? 'ping-bot';

const query = new URLSearchParams({ userID, roomID });
const res = await fetch(`${base}/dev/token?${query}`).catch((error) => {
  console.error(
    `No room server at ${base} (${error.cause?.code ?? error.message}): start one with npm start.`,
  );
  process.exit(1);
});
if (!res.ok) {
  console.error(`${base}/dev/token answered ${res.status}: ${await res.text()}`);
  process.exit(1);
}
const { appID, token } = await res.json();

const engine = new ZegoExpressEngine(appID, `${base.replace(/^http/, 'ws')}/ws`);
engine.on('roomStateChanged', (room, reason, errorCode, extendedData) => {
  console.log(`${room} ${reason} ${errorCode} ${extendedData}`.trim());
});
engine.on('IMRecvBroadcastMessage', (room, messages) => {
  for (const { fromUser, message } of messages) {
    if (message.trim() !== '!ping') continue;
    engine.sendBroadcastMessage(room, 'pong').then(
      () => console.log(`pong to ${fromUser.userID}`),
      ({ errorCode, extendedData }) => console.error('pong not sent', errorCode, extendedData),
    );
  }
});

try {
  await engine.loginRoom(roomID, token, { userID, userName: 'Ping bot' });
} catch ({ errorCode, extendedData }) {
  console.error('login failed', errorCode, extendedData);
  engine.destroyEngine();
  process.exit(1);
}
console.log(`ready: say !ping in room ${roomID}`);

process.once('SIGINT', async () => {
  await engine.logoutRoom(roomID);
  // Releases the connection and every timer: nothing is left, so Node exits by itself (code 0).
  engine.destroyEngine();
  console.log('bye');
});
