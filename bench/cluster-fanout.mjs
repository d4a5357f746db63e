#!/usr/bin/env node
// Cluster fan-out: one room of M members, broadcasts from one member, on three set-ups —
//   memory   one Atrium node on the in-memory backend (the baseline, as bench/fanout.mjs runs it)
//   redis-1  one Atrium node on Redis, every member on it
//   redis-2  two Atrium nodes on the same Redis, members split half and half, the sender on A
// each in bursts (B broadcasts at once, --bursts times) and paced (one every --paced-ms). Server
// CPU is summed over the node processes (from /proc); Redis's own CPU is shown apart. Every
// broadcast carries its own tag, so each member's copies of each one are counted: the run says
// whether every member got every broadcast exactly once. A fresh redis-server is started on a
// free loopback port for each Redis set-up (never the one that may run on 6379) and killed after.

import { spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { readArgs } from './lib/args.mjs';
import { BURST_SENDER_OPTIONS, MESSAGE_TEXT, requireBuilt, script, splitRange } from './lib/common.mjs';
import {
  loginSpread,
  serverFlags,
  startLoads,
  startServer,
  sumProbes,
  sumStatus,
  totalReceived,
  untilReceived,
} from './lib/harness.mjs';
import { cpuSeconds, epochMs, pollUntil, sleep, startChild, stopAll } from './lib/procs.mjs';
import { emit, progress, ratio, report, round, table } from './lib/report.mjs';

const args = readArgs(
  'cluster-fanout',
  'Cluster fan-out: one room on two Atrium nodes sharing a Redis, against one node on Redis and one in memory (--systems is ignored).',
  {
    members: { type: 'number', default: 1000, help: 'members of the room (split half/half over two nodes)' },
    broadcasts: { type: 'number', default: 200, help: 'broadcasts per burst' },
    bursts: { type: 'number', default: 2, help: 'bursts per set-up' },
    'paced-ms': { type: 'number', default: 10, help: 'one broadcast every this many ms (paced)' },
    'paced-count': { type: 'number', default: 200, help: 'paced broadcasts' },
    'members-per-process': {
      type: 'number',
      default: 500,
      help: 'members per load process (max 4 processes per node)',
    },
    setups: { type: 'string', default: 'memory,redis-1,redis-2', help: 'set-ups to run, comma-separated' },
    'redis-server': { type: 'string', default: 'redis-server', help: 'the redis-server binary' },
    'time-limit-s': { type: 'number', default: 300, help: 'give up (and kill everything) after this long' },
  },
);
requireBuilt();

const SETUPS = {
  memory: { label: 'memory, 1 node', backend: 'memory', nodes: 1 },
  'redis-1': { label: 'Redis, 1 node', backend: 'redis', nodes: 1 },
  'redis-2': { label: 'Redis, 2 nodes', backend: 'redis', nodes: 2 },
};
const setups = String(args.setups).split(',').filter(Boolean);
for (const name of setups) {
  if (SETUPS[name] === undefined) {
    console.error(`unknown set-up ${name} (known: ${Object.keys(SETUPS).join(', ')})`);
    process.exit(2);
  }
}
if (args.members < 4 || args.broadcasts < 1 || args.bursts < 1 || args['paced-count'] < 1) {
  console.error('--members must be at least 4 and the broadcast counts at least 1');
  process.exit(2);
}

const ROOM = 'cluster-fan';
const SENDER = 'u0';
const REDIS_START_TIMEOUT_MS = 10_000;

/** Redis servers this run started: killed on any exit, lib/procs.mjs kills the node children. */
const redisChildren = new Set();
function killRedis() {
  for (const child of redisChildren)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  redisChildren.clear();
}
process.on('exit', killRedis);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));
setTimeout(() => {
  console.error(`cluster-fanout: not done in ${args['time-limit-s']} s, giving up`);
  process.exit(1);
}, args['time-limit-s'] * 1000).unref();

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves true once the server on `port` answers PING, false on any error. */
function answersPing(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A fresh redis-server with nothing persisted, on a free loopback port: `{ url, pid, stop() }`. */
async function startRedis() {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      args['redis-server'],
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    redisChildren.add(child);
    let output = '';
    const keep = (chunk) => {
      if (output.length < 4000) output += chunk.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let failure;
    child.once('error', (error) => {
      failure = error;
    });
    const up = await pollUntil(
      async () => failure !== undefined || child.exitCode !== null || (await answersPing(port)),
      {
        everyMs: 50,
        timeoutMs: REDIS_START_TIMEOUT_MS,
      },
    );
    if (up && failure === undefined && child.exitCode === null) {
      return {
        url: `redis://127.0.0.1:${port}`,
        pid: child.pid,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const gone = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await Promise.race([gone, sleep(3000)]);
          redisChildren.delete(child);
        },
      };
    }
    child.kill('SIGKILL');
    redisChildren.delete(child);
    lastError = new Error(
      `redis-server on port ${port} did not start: ${failure?.message ?? output.trim().slice(-400)}`,
    );
  }
  throw lastError;
}

function startNode(setup, redis, index) {
  if (setup.backend === 'memory') return startServer('atrium', BURST_SENDER_OPTIONS);
  return startChild(script('servers/atrium-redis.mjs'), {
    args: [JSON.stringify({ redis: redis.url, ...BURST_SENDER_OPTIONS })],
    execArgv: serverFlags(),
    name: `atrium node ${String.fromCharCode(65 + index)} (redis)`,
  });
}

/**
 * Starts the set-up's Redis and nodes, splits the members over the nodes in contiguous halves
 * (u0, the sender, on node A), logs them in through load processes of each node; returns what
 * `measure` returned. Everything started is stopped whatever happens.
 */
async function withSetup(setup, measure) {
  let redis;
  const servers = [];
  const loads = [];
  try {
    if (setup.backend === 'redis') redis = await startRedis();
    for (let i = 0; i < setup.nodes; i++) servers.push(await startNode(setup, redis, i));
    const hostOf = new Map();
    const ranges = splitRange(args.members, setup.nodes);
    for (const [i, { from, count }] of ranges.entries()) {
      const processes = Math.min(4, Math.max(1, Math.ceil(count / args['members-per-process'])));
      const nodeLoads = await startLoads('atrium-lean', servers[i].info.url, processes, {
        firstIndex: loads.length,
      });
      loads.push(...nodeLoads);
      const users = Array.from({ length: count }, (_, k) => ({ userID: `u${from + k}`, room: ROOM }));
      const login = await loginSpread(nodeLoads, users, { concurrency: 100 });
      if (login.failed > 0) {
        throw new Error(
          `${setup.label}: ${login.failed} logins failed on node ${i} (${login.errors.join('; ')})`,
        );
      }
      for (const [userID, host] of login.hostOf) hostOf.set(userID, host);
    }
    await sleep(300);
    return await measure({ servers, loads, hostOf, redis });
  } finally {
    await stopAll([...loads, ...servers]);
    await redis?.stop();
  }
}

/** The broadcast text: a tag of its own, padded to the size every benchmark sends. */
const tagged = (tag) => `probe:${tag}:`.padEnd(MESSAGE_TEXT.length, 'x');

/** Checks every member but the sender got each of `tags` once: counts of members short and extra. */
async function checkOnce(loads, tags) {
  const out = { once: 0, zero: 0, multiple: 0 };
  for (let i = 0; i < tags.length; i += 50) {
    const all = await Promise.all(tags.slice(i, i + 50).map((tag) => sumProbes(loads, tag, [SENDER])));
    for (const p of all) {
      out.once += p.once;
      out.zero += p.zero;
      out.multiple += p.multiple;
    }
  }
  return out;
}

/**
 * Sends `count` tagged broadcasts from the sender (all at once, or one every `paceMs`), waits for
 * every delivery, reads the nodes' (and Redis's) CPU, then checks who got what.
 */
async function run({ servers, loads, hostOf, redis }, name, count, paceMs) {
  const host = hostOf.get(SENDER);
  const receivers = args.members - 1;
  const expected = count * receivers;
  const tags = Array.from({ length: count }, (_, i) => tagged(name + i));
  await Promise.all(loads.map((l) => l.call('resetCounts')));
  await Promise.all(servers.map((s) => s.call('loopDelay')));
  const cpu0 = servers.map((s) => cpuSeconds(s.pid));
  const redisCpu0 = redis ? cpuSeconds(redis.pid) : 0;
  const startedAt = epochMs();
  const sends = [];
  for (const [i, text] of tags.entries()) {
    if (paceMs > 0 && i > 0) await sleep(paceMs);
    sends.push(host.call('send', { senders: [SENDER], count: 1, paceMs: 0, text }));
  }
  const timeoutMs = 30_000 + count * paceMs * 2;
  const done = await untilReceived(loads, expected, { everyMs: 20, timeoutMs });
  const cpu = servers.reduce((n, s, i) => n + cpuSeconds(s.pid) - cpu0[i], 0);
  const redisCpu = redis ? cpuSeconds(redis.pid) - redisCpu0 : 0;
  const loops = await Promise.all(servers.map((s) => s.call('loopDelay')));
  const sent = await Promise.all(sends);
  if (!done) progress(`${name}: not every delivery within ${timeoutMs} ms`);
  // A late duplicate would arrive after the count was reached: give it a moment before checking.
  await sleep(200);
  const { received, lastReceivedAt } = await totalReceived(loads);
  const copies = await checkOnce(loads, tags);
  return {
    cpu,
    redisCpu,
    received,
    expected,
    wallMs: Math.max(1, lastReceivedAt - startedAt),
    failed: sent.reduce((n, s) => n + s.failed, 0),
    copies,
    loopMaxMs: Math.max(0, ...loops.map((l) => l.maxMs)),
  };
}

function figures(parts, dropped) {
  const sum = (key) => parts.reduce((n, p) => n + p[key], 0);
  const received = sum('received');
  const expected = sum('expected');
  const copies = {
    once: parts.reduce((n, p) => n + p.copies.once, 0),
    zero: parts.reduce((n, p) => n + p.copies.zero, 0),
    multiple: parts.reduce((n, p) => n + p.copies.multiple, 0),
  };
  return {
    deliveries: received,
    expected,
    deliveriesPerS: Math.round((received * 1000) / sum('wallMs')),
    serverCpuS: round(sum('cpu'), 3),
    cpuUsPerDelivery: round((sum('cpu') * 1e6) / Math.max(1, received), 3),
    redisCpuS: round(sum('redisCpu'), 3),
    redisCpuUsPerDelivery: round((sum('redisCpu') * 1e6) / Math.max(1, received), 3),
    /** Member × broadcast pairs: got it once, never, more than once. */
    copies,
    exactlyOnce:
      received === expected && copies.once === expected && copies.zero === 0 && copies.multiple === 0,
    failedSends: sum('failed'),
    droppedLinks: dropped,
    /** First send to last delivery, per run (a burst's drain time). */
    wallMs: parts.map((p) => round(p.wallMs, 1)),
    serverLoopMaxMs: Math.max(0, ...parts.map((p) => p.loopMaxMs)),
  };
}

const results = {};
for (const name of setups) {
  const setup = SETUPS[name];
  progress(`cluster-fanout: ${setup.label}, room of ${args.members}`);
  results[name] = await withSetup(setup, async (ctx) => {
    const bursts = [];
    for (let b = 0; b < args.bursts; b++) bursts.push(await run(ctx, `${name}-b${b}-`, args.broadcasts, 0));
    progress(`cluster-fanout: ${setup.label}, paced`);
    const paced = await run(ctx, `${name}-p-`, args['paced-count'], args['paced-ms']);
    const { dropped } = await sumStatus(ctx.loads);
    return {
      nodes: setup.nodes,
      backend: setup.backend,
      burst: figures(bursts, dropped),
      paced: figures([paced], dropped),
    };
  });
  const r = results[name];
  for (const mode of ['burst', 'paced']) {
    if (!r[mode].exactlyOnce) progress(`${setup.label} ${mode}: NOT every member got every broadcast once`);
  }
}

const compare = (a, b) => {
  if (!a || !b) return undefined;
  const out = {};
  for (const mode of ['burst', 'paced']) {
    out[mode] = {
      cpuUsPerDelivery: ratio(a[mode].cpuUsPerDelivery, b[mode].cpuUsPerDelivery),
      deliveriesPerS: ratio(a[mode].deliveriesPerS, b[mode].deliveriesPerS),
    };
  }
  return out;
};
const ratios = {
  twoNodesOverOneNode: compare(results['redis-2'], results['redis-1']),
  redisOverMemory: compare(results['redis-1'], results.memory),
  twoNodesOverMemory: compare(results['redis-2'], results.memory),
};
const allOnce = Object.values(results).every((r) => r.burst.exactlyOnce && r.paced.exactlyOnce);

const output = report(
  'cluster-fanout',
  {
    members: args.members,
    broadcasts: args.broadcasts,
    bursts: args.bursts,
    pacedMs: args['paced-ms'],
    pacedCount: args['paced-count'],
    membersPerProcess: args['members-per-process'],
    client: 'atrium-lean',
    messageBytes: MESSAGE_TEXT.length,
    split: 'two nodes: members u0… in two contiguous halves, the sender u0 on node A',
    latency: 'not measured: the load clients count deliveries and keep only the last arrival time',
  },
  results,
  ratios,
  { everyMemberGotEveryBroadcastOnce: allOnce },
);

const rows = [];
for (const name of setups) {
  const r = results[name];
  for (const mode of ['burst', 'paced']) {
    const f = r[mode];
    rows.push([
      SETUPS[name].label,
      mode === 'burst' ? `${args.bursts}× burst of ${args.broadcasts}` : `paced ${args['paced-ms']} ms`,
      f.cpuUsPerDelivery,
      r.backend === 'redis' ? f.redisCpuUsPerDelivery : null,
      f.deliveriesPerS,
      f.deliveries,
      f.exactlyOnce ? 'yes' : `NO (${f.copies.zero} short, ${f.copies.multiple} extra)`,
      f.serverLoopMaxMs,
    ]);
  }
}
const ratioRows = [];
for (const [label, r] of [
  ['2 nodes / 1 node (Redis)', ratios.twoNodesOverOneNode],
  ['Redis / memory (1 node)', ratios.redisOverMemory],
  ['2 nodes Redis / memory', ratios.twoNodesOverMemory],
]) {
  if (r) {
    ratioRows.push([
      label,
      r.burst.cpuUsPerDelivery,
      r.burst.deliveriesPerS,
      r.paced.cpuUsPerDelivery,
      r.paced.deliveriesPerS,
    ]);
  }
}
emit(
  args,
  output,
  `Cluster fan-out, one room of ${args.members} (node CPU summed over the nodes; Redis apart)\n` +
    table(
      [
        'set-up',
        'case',
        'node µs/delivery',
        'redis µs/delivery',
        'deliveries/s',
        'deliveries',
        'each once',
        'loop max ms',
      ],
      rows,
    ) +
    '\n\nRatios\n' +
    table(
      ['', 'burst µs/delivery', 'burst deliveries/s', 'paced µs/delivery', 'paced deliveries/s'],
      ratioRows,
    ) +
    `\n\nEvery member got every broadcast exactly once: ${allOnce ? 'yes' : 'NO'} (per-member count of each tagged broadcast).`,
);
if (!allOnce) process.exitCode = 1;
