// The probe: a member of a room of its own, in a process of its own, that pings every 100 ms and
// keeps the longest time a ping waited for its pong (the server answers pings in order). Asked
// over IPC: `stats` → { maxStallMs, pings, pongs }, `reset` starts a new measurement.

import WebSocket from 'ws';
import { generateToken04 } from '../../../packages/token/dist/index.js';

const { url, appID, secret } = JSON.parse(process.argv[2]);
const EVERY_MS = 100;
const sent = [];
let maxStallMs = 0;
let pings = 0;
let pongs = 0;

process.on('disconnect', () => process.exit(0));
// As the SDK declares a fresh login, so admission control lets it in whatever the load.
const socket = new WebSocket(`${url}?intent=login`);
socket.on('error', (error) => process.send?.({ error: String(error) }));
socket.on('close', () => process.send?.({ closed: true }));
socket.on('message', (data) => {
  const frame = JSON.parse(data.toString());
  if (frame.t === 'hello') {
    const token = generateToken04(appID, 'probe', secret, 3600, '');
    socket.send(
      JSON.stringify({ t: 'login', id: 1, appID, room: 'probe-room', token, user: { userID: 'probe' } }),
    );
  } else if (frame.t === 'reply' && frame.id === 1) {
    if (frame.code !== 0) throw new Error(`probe login failed: ${data}`);
    setInterval(() => {
      sent.push(performance.now());
      pings++;
      socket.send('{"t":"ping"}');
    }, EVERY_MS);
    process.send?.({ ready: true });
  } else if (frame.t === 'pong') {
    const at = sent.shift();
    pongs++;
    if (at !== undefined) maxStallMs = Math.max(maxStallMs, performance.now() - at);
  }
});

process.on('message', (message) => {
  // A ping still unanswered counts for as long as it has waited.
  const waiting = sent.length > 0 ? performance.now() - sent[0] : 0;
  if (message === 'stats') {
    process.send?.({ stats: { maxStallMs: Math.round(Math.max(maxStallMs, waiting)), pings, pongs } });
  } else if (message === 'reset') {
    maxStallMs = 0;
    pings = 0;
    pongs = 0;
    process.send?.({ reset: true });
  }
});
