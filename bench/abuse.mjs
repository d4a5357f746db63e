#!/usr/bin/env node
// Abuse: the longest stall of a probe — a member of another room, in a process of its own, that
// pings every 100 ms — while one attack runs against a fresh server, for each attack:
//   slow-readers        150 members of one room stop reading (they keep pinging) while a member
//                       broadcasts 16 KiB messages into it as fast as its replies come back
//   flood-before-login  10 links that never log in send pings as fast as they can, reading nothing
//                       (each opens another as soon as it is closed)
//   flood-logged-in     a member pipelines pings as fast as it can, reading nothing (and logs in
//                       again on a new link as soon as it is closed)
//   idle-links          1,000 links that ping every second and never log in
//   connection-flood    2,000 links opened as fast as possible from 20 addresses, never logging in
//   slow-headers        1,000 HTTP requests whose headers trickle in a byte every 200 ms
// Also the server's peak RSS. `--systems atrium,atrium-before` (ATRIUM_BEFORE_DIST=<index.js of
// another build>) compares a build without the defences in the same run.

import { connect } from 'node:net';
import WebSocket from 'ws';
import { generateToken04 } from '../packages/token/dist/index.js';
import { readArgs } from './lib/args.mjs';
import { APP_ID, requireBuilt, SERVER_SECRET, SYSTEM_LABELS, script, TOKEN_TTL_SEC } from './lib/common.mjs';
import { startServer } from './lib/harness.mjs';
import { rssBytes, sleep, startChild, stopAll } from './lib/procs.mjs';
import { emit, progress, report, table } from './lib/report.mjs';

const ATTACKS = [
  'slow-readers',
  'flood-before-login',
  'flood-logged-in',
  'idle-links',
  'connection-flood',
  'slow-headers',
];

const args = readArgs('abuse', "The probe's longest stall (and the server's peak RSS) under each attack.", {
  attacks: { type: 'string', default: ATTACKS.join(','), help: 'attacks to run, comma-separated' },
  'attack-ms': { type: 'number', default: 8000, help: 'how long each attack runs' },
});
const attackNames = args.attacks.split(',').filter(Boolean);
// Only Atrium builds: `atrium`, and `atrium-before` for another build (ATRIUM_BEFORE_DIST).
const systems = args.systems.filter((s) => s.startsWith('atrium'));
requireBuilt();

/** What an attacker opens, closed when its attack ends. */
let opened = [];

function link(url, localAddress = '127.0.0.1') {
  return new Promise((resolve) => {
    // Declared a fresh login, as the SDK does: admission control lets it in whatever the load.
    const ws = new WebSocket(`${url}?intent=login`, { localAddress });
    opened.push(ws);
    ws.on('error', () => resolve(undefined));
    ws.on('unexpected-response', () => resolve(undefined));
    ws.once('open', () => resolve(ws));
  });
}

function login(ws, room, userID) {
  return new Promise((resolve) => {
    const token = generateToken04(APP_ID, userID, SERVER_SECRET, TOKEN_TTL_SEC, '');
    const onMessage = (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.t !== 'reply' || frame.id !== 1) return;
      ws.off('message', onMessage);
      resolve(frame.code === 0);
    };
    ws.on('message', onMessage);
    ws.on('close', () => resolve(false));
    ws.send(JSON.stringify({ t: 'login', id: 1, appID: APP_ID, room, token, user: { userID } }));
  });
}

const until = (deadline) => Date.now() < deadline;

/** Pings as fast as the socket takes them until `deadline` or the link closes. */
async function floodPings(ws, deadline) {
  while (until(deadline) && ws.readyState === WebSocket.OPEN) {
    if (ws.bufferedAmount < 1024 * 1024) for (let i = 0; i < 500; i++) ws.send('{"t":"ping"}');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const attacks = {
  async 'slow-readers'(url, deadline) {
    await Promise.all(
      Array.from({ length: 150 }, async (_, i) => {
        const ws = await link(url);
        if (ws === undefined || !(await login(ws, 'busy', `slow${i}`))) return;
        ws.pause();
        const timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"t":"ping"}'), 1000);
        ws.on('close', () => clearInterval(timer));
      }),
    );
    const message = 'x'.repeat(16 * 1024);
    let n = 0;
    for (let s = 0; until(deadline); s++) {
      const ws = await link(url);
      if (ws === undefined || !(await login(ws, 'busy', `sender${s}`))) continue;
      let id = 100;
      // The reply awaited now; the link's close settles it too.
      let settle = () => {};
      ws.on('message', (data) => {
        if (data.toString().startsWith('{"t":"reply"')) settle(true);
      });
      ws.on('close', () => settle(false));
      while (until(deadline) && ws.readyState === WebSocket.OPEN) {
        const reply = new Promise((resolve) => {
          settle = resolve;
        });
        const kind = n++ % 4 === 0 ? 'barrage' : 'bcast';
        ws.send(JSON.stringify({ t: kind, id: id++, room: 'busy', msg: message }));
        await reply;
      }
    }
  },
  async 'flood-before-login'(url, deadline) {
    // Ten attackers, each opening a new link as soon as one is closed.
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (until(deadline)) {
          const ws = await link(url);
          if (ws === undefined) continue;
          ws.pause();
          await floodPings(ws, deadline);
        }
      }),
    );
  },
  async 'flood-logged-in'(url, deadline) {
    for (let n = 0; until(deadline); n++) {
      const ws = await link(url);
      if (ws === undefined || !(await login(ws, 'floody', `floody${n}`))) continue;
      ws.pause();
      await floodPings(ws, deadline);
    }
  },
  async 'idle-links'(url, deadline) {
    const links = [];
    for (let i = 0; i < 1000; i++) links.push(await link(url, `127.0.5.${1 + (i % 20)}`));
    const timer = setInterval(() => {
      for (const ws of links) if (ws?.readyState === WebSocket.OPEN) ws.send('{"t":"ping"}');
    }, 1000);
    await sleep(Math.max(0, deadline - Date.now()));
    clearInterval(timer);
  },
  async 'connection-flood'(url, deadline) {
    for (let i = 0; i < 2000 && until(deadline); i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => link(url, `127.0.6.${1 + ((i + j) % 20)}`)));
    }
    await sleep(Math.max(0, deadline - Date.now()));
  },
  async 'slow-headers'(url, deadline) {
    const { port } = new URL(url);
    const sockets = Array.from({ length: 1000 }, (_, i) => {
      const socket = connect({
        port: Number(port),
        host: '127.0.0.1',
        localAddress: `127.0.7.${1 + (i % 20)}`,
      });
      socket.on('error', () => {});
      socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\n'));
      return socket;
    });
    while (until(deadline)) {
      for (const socket of sockets) if (socket.writable) socket.write('a');
      await sleep(200);
    }
    for (const socket of sockets) socket.destroy();
  },
};

const results = {};
for (const attack of attackNames) {
  results[attack] = {};
  for (const system of systems) {
    progress(`abuse: ${attack} on ${system}`);
    // Room for a 16 KiB broadcast; the rest at the defaults.
    const server = await startServer(system, { messageMaxBytes: 16 * 1024 });
    const probe = await startChild(script('clients/ping-probe.mjs'), { name: 'probe' });
    let peakRss = 0;
    const rss = setInterval(() => {
      peakRss = Math.max(peakRss, rssBytes(server.pid) || 0);
    }, 100);
    try {
      await probe.call('start', { url: server.info.url });
      await sleep(500);
      await probe.call('reset');
      const rssBefore = rssBytes(server.pid);
      await attacks[attack](server.info.url, Date.now() + args['attack-ms']);
      const stats = await probe.call('stats');
      results[attack][system] = {
        maxStallMs: stats.maxStallMs,
        pongsOfPings: `${stats.pongs}/${stats.pings}`,
        rssBeforeMb: Math.round(rssBefore / 2 ** 20),
        peakRssMb: Math.round(peakRss / 2 ** 20),
      };
    } catch (error) {
      results[attack][system] = { error: String(error) };
    } finally {
      clearInterval(rss);
      for (const ws of opened) ws.terminate();
      opened = [];
      await stopAll([probe, server]);
    }
  }
}

const rows = attackNames.flatMap((attack) =>
  systems.map((system) => {
    const r = results[attack][system];
    return [
      attack,
      SYSTEM_LABELS[system] ?? system,
      r.maxStallMs,
      r.pongsOfPings,
      r.rssBeforeMb,
      r.peakRssMb,
      r.error,
    ];
  }),
);
emit(
  args,
  report('abuse', { attacks: attackNames, attackMs: args['attack-ms'] }, results, {}),
  table(
    ['attack', 'system', 'probe max stall ms', 'pongs/pings', 'RSS before MB', 'RSS peak MB', 'error'],
    rows,
  ),
);
process.exit(0);
