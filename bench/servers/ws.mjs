// The raw `ws` peer: the same room logic as Atrium with nothing else — join a room with an ack,
// broadcast to everyone in it but the sender, the frame encoded once per broadcast and the same
// bytes written to every member. The floor a Node server on `ws` can reach. argv[2] is JSON:
// `{ cork: true }` also corks each socket until the end of the tick (the recipe).

import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { listenLoopback, memberProof, serveParent, serverBasics } from '../lib/child.mjs';

const { cork = false } = JSON.parse(process.argv[2] ?? '{}');
const http = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({
  server: http,
  path: '/ws',
  perMessageDeflate: false,
  clientTracking: false,
});

/** roomID → userID → member */
const rooms = new Map();
let nextMessageID = 0;

const corked = new Set();
function flushCorked() {
  for (const socket of corked) socket.uncork();
  corked.clear();
}
function write(member, bytes) {
  if (member.ws.readyState !== 1) return;
  if (cork && !corked.has(member.socket)) {
    if (corked.size === 0) setImmediate(flushCorked);
    member.socket.cork();
    corked.add(member.socket);
  }
  member.ws.send(bytes, { binary: false });
}

function reply(member, id, data) {
  write(
    member,
    Buffer.from(
      JSON.stringify(data === undefined ? { t: 'reply', id, code: 0 } : { t: 'reply', id, code: 0, data }),
    ),
  );
}

function leave(member) {
  for (const roomID of member.rooms) {
    const room = rooms.get(roomID);
    if (room?.get(member.userID) !== member) continue;
    room.delete(member.userID);
    if (room.size === 0) rooms.delete(roomID);
  }
  member.rooms.clear();
}

wss.on('connection', (ws, req) => {
  const member = { ws, socket: req.socket, userID: '', rooms: new Set() };
  ws.on('error', () => {});
  ws.on('close', () => leave(member));
  ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (frame.t === 'join' && typeof frame.room === 'string' && typeof frame.user === 'string') {
      member.userID = frame.user;
      let room = rooms.get(frame.room);
      if (room === undefined) {
        room = new Map();
        rooms.set(frame.room, room);
      }
      const old = room.get(member.userID);
      if (old !== undefined && old !== member) old.ws.terminate();
      room.set(member.userID, member);
      member.rooms.add(frame.room);
      reply(member, frame.id);
    } else if (frame.t === 'bcast' && member.rooms.has(frame.room)) {
      const room = rooms.get(frame.room);
      const messageID = ++nextMessageID;
      const msg = {
        fromUser: { userID: member.userID, userName: member.userID },
        message: frame.msg,
        sendTime: Date.now(),
        messageID,
      };
      const bytes = Buffer.from(JSON.stringify({ t: 'ev', room: frame.room, k: 'bcast', msg }));
      for (const other of room.values()) if (other !== member) write(other, bytes);
      reply(member, frame.id, { messageID });
    }
  });
});

const port = await listenLoopback(http);

const ready = serveParent({
  ...serverBasics(),
  members: async ({ room, expect = [] }) => memberProof([...(rooms.get(room)?.keys() ?? [])], expect),
  stop: async () => true,
});
ready({ url: `ws://127.0.0.1:${port}/ws`, port });
