// The Socket.IO 4 peer: what most teams would pick instead. Rooms via `socket.join`, a join
// acknowledged, a broadcast to the room but the sender (`socket.to(room).emit`), which Socket.IO
// encodes once per broadcast. argv[2] is JSON: `{ recovery: true }` turns on connection-state
// recovery (sessions and rooms kept for 30 s after a cut), as the storm and resume benchmarks use.

import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { listenLoopback, memberProof, serveParent, serverBasics } from '../lib/child.mjs';

const { recovery = false } = JSON.parse(process.argv[2] ?? '{}');
const http = createServer();
const io = new Server(http, {
  serveClient: false,
  transports: ['websocket'],
  perMessageDeflate: false,
  ...(recovery
    ? { connectionStateRecovery: { maxDisconnectionDuration: 30_000, skipMiddlewares: true } }
    : {}),
});
let nextMessageID = 0;

io.on('connection', (socket) => {
  socket.on('join', (room, user, ack) => {
    if (typeof room !== 'string' || typeof user !== 'string') return;
    socket.data.user = user;
    socket.join(room);
    if (typeof ack === 'function') ack({ code: 0 });
  });
  socket.on('bcast', (room, text, ack) => {
    if (!socket.rooms.has(room)) return;
    const user = socket.data.user;
    const messageID = ++nextMessageID;
    socket.to(room).emit('bcast', {
      fromUser: { userID: user, userName: user },
      message: text,
      sendTime: Date.now(),
      messageID,
    });
    if (typeof ack === 'function') ack({ code: 0, messageID });
  });
});

const port = await listenLoopback(http);

const ready = serveParent({
  ...serverBasics(),
  members: async ({ room, expect = [] }) => {
    const sockets = await io.in(room).fetchSockets();
    const users = sockets.map((s) => s.data.user);
    return memberProof(users, expect);
  },
  stop: async () => true,
});
ready({ url: `http://127.0.0.1:${port}`, port });
