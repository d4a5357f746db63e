#!/usr/bin/env node
// Benchmark 1, login latency: p50/p99 of N logins one after another and of N at once, per system.
// Atrium: the full login (connect, hello, Token04 login with decryption, snapshot reply). Peers:
// connect + join a room with an ack. Server in its own process, clients in another.

import { readArgs } from './lib/args.mjs';
import { requireBuilt, SYSTEM_LABELS } from './lib/common.mjs';
import { loginSpread, memberKind, startLoads, startServer, userIDs } from './lib/harness.mjs';
import { cpuSeconds, sleep, stopAll } from './lib/procs.mjs';
import { emit, latencySummary, peerRatios, progress, ratio, report, round, table } from './lib/report.mjs';

const args = readArgs(
  'login',
  'Login latency p50/p99: N logins one after another, then N at once, for Atrium and its peers.',
  {
    count: { type: 'number', default: 1000, help: 'logins per phase' },
    'processes-at-once': {
      type: 'number',
      default: 4,
      help: 'load processes sharing the logins made at once',
    },
    client: {
      type: 'string',
      default: 'sdk',
      help: "sdk: each system's real client (RoomEngine, socket.io-client); lean: each protocol by hand",
    },
  },
);
requireBuilt();

/** A fresh server; `count` logins from `processes` load processes, `concurrency` in flight in each. */
async function phase(system, name, concurrency, processes) {
  const server = await startServer(system);
  const loads = [];
  try {
    loads.push(...(await startLoads(memberKind(system, args.client), server.info.url, processes)));
    await sleep(200);
    const users = userIDs(args.count).map((userID) => ({ userID, room: `login-${name}` }));
    const clientCpu = () => loads.reduce((n, l) => n + cpuSeconds(l.pid), 0);
    const cpu0 = cpuSeconds(server.pid);
    const client0 = clientCpu();
    const result = await loginSpread(loads, users, { concurrency, timeoutMs: 60_000 });
    const cpu = cpuSeconds(server.pid) - cpu0;
    const client = clientCpu() - client0;
    if (result.failed > 0)
      progress(`${system} ${name}: ${result.failed} failed (${result.errors.join('; ')})`);
    const done = Math.max(1, result.latencies.length);
    return {
      ...latencySummary(result.latencies),
      failed: result.failed,
      serverCpuUsPerLogin: round((cpu * 1e6) / done, 0),
      /** What the client side spent per login (tokens are made before the timing starts). */
      clientCpuUsPerLogin: round((client * 1e6) / done, 0),
    };
  } finally {
    await stopAll([...loads, server]);
  }
}

const results = {};
for (const system of args.systems) {
  progress(`login: ${system} sequential`);
  const sequential = await phase(system, 'seq', 1, 1);
  progress(`login: ${system} concurrent`);
  const spread = Math.max(1, args['processes-at-once']);
  const concurrent = await phase(system, 'conc', Math.ceil(args.count / spread), spread);
  results[system] = { sequential, concurrent };
}

const ratios = peerRatios(results, args.systems, (atrium, peer) => ({
  sequentialP99: ratio(atrium.sequential.p99, peer.sequential.p99),
  concurrentP99: ratio(atrium.concurrent.p99, peer.concurrent.p99),
}));
const output = report(
  'login',
  {
    count: args.count,
    processesAtOnce: Math.max(1, args['processes-at-once']),
    atriumClient: memberKind('atrium', args.client),
    clients: Object.fromEntries(args.systems.map((s) => [s, memberKind(s, args.client)])),
  },
  results,
  ratios,
);
const rows = [];
for (const system of args.systems) {
  const r = results[system];
  rows.push([
    SYSTEM_LABELS[system],
    r.sequential.p50,
    r.sequential.p99,
    r.concurrent.p50,
    r.concurrent.p99,
    r.sequential.serverCpuUsPerLogin,
    r.sequential.clientCpuUsPerLogin,
    r.sequential.failed + r.concurrent.failed,
  ]);
}
emit(
  args,
  output,
  `Login latency, ms (${args.count} one after another / ${args.count} at once; Atrium client: ${output.params.atriumClient})\n` +
    table(
      [
        'system',
        'seq p50',
        'seq p99',
        'conc p50',
        'conc p99',
        'server µs/login',
        'client µs/login',
        'failed',
      ],
      rows,
    ),
);
