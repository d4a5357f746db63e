// The abuse benchmark's probe, in a process of its own: a member of a room of its own that pings
// every 100 ms and keeps the longest time a ping waited for its pong (pongs come in order).
// Commands: `start({ url })`, `reset`, `stats` → { maxStallMs, pings, pongs }.

import WebSocket from 'ws';
import { generateToken04 } from '../../packages/token/dist/index.js';
import { serveParent } from '../lib/child.mjs';
import { APP_ID, SERVER_SECRET, TOKEN_TTL_SEC } from '../lib/common.mjs';

const EVERY_MS = 100;
let sent = [];
let maxStallMs = 0;
let pings = 0;
let pongs = 0;
let timer;

function start({ url }) {
  return new Promise((resolve, reject) => {
    // As the SDK declares a fresh login, so admission control lets it in whatever the load.
    const socket = new WebSocket(`${url}?intent=login`);
    socket.on('error', reject);
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.t === 'hello') {
        const token = generateToken04(APP_ID, 'probe', SERVER_SECRET, TOKEN_TTL_SEC, '');
        const login = {
          t: 'login',
          id: 1,
          appID: APP_ID,
          room: 'probe-room',
          token,
          user: { userID: 'probe' },
        };
        socket.send(JSON.stringify(login));
      } else if (frame.t === 'reply' && frame.id === 1) {
        if (frame.code !== 0) return reject(new Error(`probe login failed: ${data}`));
        timer = setInterval(() => {
          sent.push(performance.now());
          pings++;
          socket.send('{"t":"ping"}');
        }, EVERY_MS);
        resolve(true);
      } else if (frame.t === 'pong') {
        const at = sent.shift();
        pongs++;
        if (at !== undefined) maxStallMs = Math.max(maxStallMs, performance.now() - at);
      }
    });
  });
}

const ready = serveParent({
  start,
  reset: async () => {
    maxStallMs = 0;
    pings = 0;
    pongs = 0;
    return true;
  },
  stats: async () => {
    const waiting = sent.length > 0 ? performance.now() - sent[0] : 0;
    return { maxStallMs: Math.round(Math.max(maxStallMs, waiting)), pings, pongs };
  },
  stop: async () => {
    clearInterval(timer);
    sent = [];
    return true;
  },
});
ready({});
