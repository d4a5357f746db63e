#!/usr/bin/env node
// Benchmark 2, fan-out: server CPU microseconds per delivered broadcast and deliveries per second.
//   burst   one room of N members, bursts of B broadcasts from one member (repeated until about
//           --target-deliveries have been delivered, so the 10 ms CPU ticks of /proc do not matter)
//   paced   the same room, one broadcast every --paced-ms
//   rooms   R rooms of S members, B' broadcasts from one member of each room, all rooms at once
// The burst also runs at --plot-sizes for the cost-against-room-size plot. A delivery is one
// broadcast arriving at one member (the sender gets none). Server CPU is read from /proc.

import { readArgs } from './lib/args.mjs';
import { BURST_SENDER_OPTIONS, MESSAGE_TEXT, requireBuilt, SYSTEM_LABELS } from './lib/common.mjs';
import {
  loginSpread,
  memberKind,
  startLoads,
  startServer,
  sumStatus,
  totalReceived,
  untilReceived,
} from './lib/harness.mjs';
import { cpuSeconds, epochMs, rssBytes, sleep, stopAll } from './lib/procs.mjs';
import { emit, peerRatios, progress, ratio, report, round, table } from './lib/report.mjs';

const args = readArgs(
  'fanout',
  'Fan-out: server CPU µs per delivered broadcast and deliveries/s, one big room (bursts, paced) and many rooms.',
  {
    members: { type: 'number', default: 1000, help: 'members of the big room' },
    broadcasts: { type: 'number', default: 200, help: 'broadcasts per burst' },
    'target-deliveries': {
      type: 'number',
      default: 400000,
      help: 'repeat bursts until this many deliveries',
    },
    'paced-ms': { type: 'number', default: 10, help: 'one broadcast every this many ms (paced)' },
    'paced-count': { type: 'number', default: 200, help: 'paced broadcasts' },
    rooms: { type: 'number', default: 100, help: 'rooms in the many-rooms case (0: skip it)' },
    'room-size': { type: 'number', default: 100, help: 'members per room in the many-rooms case' },
    'rooms-broadcasts': { type: 'number', default: 20, help: 'broadcasts per room in the many-rooms case' },
    'plot-sizes': { type: 'list', default: '100,300', help: 'extra room sizes for the burst (plot)' },
    'members-per-process': {
      type: 'number',
      default: 500,
      help: 'members per load process (max 4 processes)',
    },
  },
);
requireBuilt();

const loadCount = (members) => Math.min(4, Math.max(1, Math.ceil(members / args['members-per-process'])));

/** Starts a server and loads, logs `rooms` × `size` members in; returns what `measure` returned. */
async function withRooms(system, rooms, size, measure) {
  const server = await startServer(system, system === 'atrium' ? BURST_SENDER_OPTIONS : {});
  const loads = [];
  try {
    loads.push(...(await startLoads(memberKind(system, 'lean'), server.info.url, loadCount(rooms * size))));
    const users = [];
    for (let r = 0; r < rooms; r++) {
      for (let m = 0; m < size; m++) users.push({ userID: `u${r}-${m}`, room: `fan${r}` });
    }
    const login = await loginSpread(loads, users, { concurrency: 100 });
    if (login.failed > 0)
      throw new Error(`${system}: ${login.failed} logins failed (${login.errors.join('; ')})`);
    await sleep(300);
    const senders = Array.from({ length: rooms }, (_, r) => `u${r}-0`);
    return await measure({ server, loads, senders, hostOf: login.hostOf });
  } finally {
    await stopAll([...loads, server]);
  }
}

/**
 * Sends `count` broadcasts from each sender (paced or not), waits for `expected` deliveries,
 * returns server CPU seconds, deliveries and the wall time from first send to last delivery.
 */
async function run({ server, loads, senders, hostOf }, count, paceMs, expected) {
  await Promise.all(loads.map((l) => l.call('resetCounts')));
  const byHost = new Map();
  for (const s of senders) {
    const host = hostOf.get(s);
    byHost.set(host, [...(byHost.get(host) ?? []), s]);
  }
  await server.call('loopDelay');
  const cpu0 = cpuSeconds(server.pid);
  const startedAt = epochMs();
  const sends = [...byHost].map(([host, list]) =>
    host.call('send', { senders: list, count, paceMs, text: MESSAGE_TEXT }),
  );
  const timeoutMs = 30_000 + count * paceMs * 2;
  const done = await untilReceived(loads, expected, { everyMs: 20, timeoutMs });
  const cpu = cpuSeconds(server.pid) - cpu0;
  const loop = await server.call('loopDelay');
  const sent = await Promise.all(sends);
  const { received, lastReceivedAt } = await totalReceived(loads);
  if (!done) progress(`only ${received} of ${expected} deliveries within ${timeoutMs} ms`);
  const failed = sent.reduce((n, s) => n + s.failed, 0);
  const { dropped } = await sumStatus(loads);
  if (dropped > 0) progress(`${dropped} links closed by the server so far`);
  const wallMs = Math.max(1, lastReceivedAt - startedAt);
  return { cpu, received, expected, wallMs, failed, dropped, loopMaxMs: loop.maxMs };
}

function figures(parts) {
  const cpu = parts.reduce((n, p) => n + p.cpu, 0);
  const received = parts.reduce((n, p) => n + p.received, 0);
  const wallMs = parts.reduce((n, p) => n + p.wallMs, 0);
  return {
    deliveries: received,
    serverCpuS: round(cpu, 3),
    cpuUsPerDelivery: round((cpu * 1e6) / Math.max(1, received), 3),
    deliveriesPerS: Math.round((received * 1000) / wallMs),
    failedSends: parts.reduce((n, p) => n + p.failed, 0),
    /** Deliveries that never arrived, and links the server closed meanwhile (cumulative). */
    missing: parts.reduce((n, p) => n + Math.max(0, p.expected - p.received), 0),
    droppedLinks: Math.max(0, ...parts.map((p) => p.dropped)),
    /** The longest the server's event loop was held up (a burst runs to completion in one turn). */
    serverLoopMaxMs: Math.max(0, ...parts.map((p) => p.loopMaxMs)),
  };
}

async function burst(ctx, size) {
  const perBurst = args.broadcasts * (size - 1);
  const reps = Math.max(1, Math.ceil(args['target-deliveries'] / perBurst));
  const parts = [];
  for (let i = 0; i < reps; i++) parts.push(await run(ctx, args.broadcasts, 0, perBurst));
  return { ...figures(parts), bursts: reps };
}

const results = {};
for (const system of args.systems) {
  const r = { bySize: {} };
  const sizes = [...new Set([...args['plot-sizes'], args.members])].sort((a, b) => a - b);
  for (const size of sizes) {
    progress(`fanout: ${system} room of ${size}`);
    await withRooms(system, 1, size, async (ctx) => {
      r.bySize[size] = await burst(ctx, size);
      r.bySize[size].rssKBPerMember = round(rssBytes(ctx.server.pid) / 1024 / size, 1);
      if (size === args.members) {
        r.burst = r.bySize[size];
        progress(`fanout: ${system} paced, room of ${size}`);
        const paced = await run(ctx, args['paced-count'], args['paced-ms'], args['paced-count'] * (size - 1));
        r.paced = figures([paced]);
      }
    });
  }
  if (args.rooms > 0) {
    progress(`fanout: ${system} ${args.rooms} rooms of ${args['room-size']}`);
    await withRooms(system, args.rooms, args['room-size'], async (ctx) => {
      const expected = args.rooms * args['rooms-broadcasts'] * (args['room-size'] - 1);
      r.rooms = figures([await run(ctx, args['rooms-broadcasts'], 0, expected)]);
    });
  }
  results[system] = r;
}

const ratios = peerRatios(results, args.systems, (a, p) => ({
  burstCpu: ratio(a.burst?.cpuUsPerDelivery, p.burst?.cpuUsPerDelivery),
  pacedCpu: ratio(a.paced?.cpuUsPerDelivery, p.paced?.cpuUsPerDelivery),
  roomsCpu: ratio(a.rooms?.cpuUsPerDelivery, p.rooms?.cpuUsPerDelivery),
  burstRate: ratio(a.burst?.deliveriesPerS, p.burst?.deliveriesPerS),
}));
const output = report(
  'fanout',
  {
    members: args.members,
    broadcasts: args.broadcasts,
    targetDeliveries: args['target-deliveries'],
    pacedMs: args['paced-ms'],
    pacedCount: args['paced-count'],
    rooms: args.rooms,
    roomSize: args['room-size'],
    roomsBroadcasts: args['rooms-broadcasts'],
    plotSizes: args['plot-sizes'],
    atriumClient: 'atrium-lean',
    clients: Object.fromEntries(args.systems.map((s) => [s, memberKind(s, 'lean')])),
    messageBytes: MESSAGE_TEXT.length,
  },
  results,
  ratios,
);
const rows = [];
for (const system of args.systems) {
  const r = results[system];
  for (const [label, f] of [
    [`burst ${args.members}`, r.burst],
    [`paced ${args.members}`, r.paced],
    [`${args.rooms}×${args['room-size']}`, r.rooms],
    ...Object.entries(r.bySize)
      .filter(([size]) => Number(size) !== args.members)
      .map(([size, f]) => [`burst ${size}`, f]),
  ]) {
    if (f) {
      rows.push([
        SYSTEM_LABELS[system],
        label,
        f.cpuUsPerDelivery,
        f.deliveriesPerS,
        f.deliveries,
        f.missing,
        f.serverCpuS,
        f.serverLoopMaxMs,
      ]);
    }
  }
}
emit(
  args,
  output,
  'Fan-out (server CPU per delivered broadcast)\n' +
    table(
      [
        'system',
        'case',
        'µs/delivery',
        'deliveries/s',
        'deliveries',
        'missing',
        'server CPU s',
        'loop max ms',
      ],
      rows,
    ),
);
