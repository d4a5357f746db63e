#!/usr/bin/env node
// Benchmark 3, memory: server RSS per logged-in member at several member counts, all in one room.
// RSS is read from /proc/<pid>/status after a forced collection (the servers run with
// --expose-gc), before any login and after each step of logins; the difference over the member
// count is the figure. Load clients are spread over processes and loopback source addresses.

import { readArgs } from './lib/args.mjs';
import { requireBuilt } from './lib/common.mjs';
import { loginSpread, memberKind, startLoads, startServer, sumStatus, userIDs } from './lib/harness.mjs';
import { rssBytes, sleep, stopAll } from './lib/procs.mjs';
import { countRows, emit, peerRatios, progress, ratio, report, round, table } from './lib/report.mjs';

const args = readArgs(
  'memory',
  'Server RSS per logged-in member at several member counts, Atrium and its peers.',
  {
    counts: { type: 'list', default: '1000,5000,15000', help: 'member counts' },
    'members-per-process': { type: 'number', default: 2500, help: 'members per load process' },
    concurrency: { type: 'number', default: 100, help: 'logins in flight per load process' },
  },
);
requireBuilt();

/** RSS from /proc after two forced collections, and the V8 heap in use at that moment. */
async function settledRss(server) {
  await server.call('gc');
  await sleep(300);
  await server.call('gc');
  await sleep(200);
  const { heapUsed } = await server.call('memory');
  return { rss: rssBytes(server.pid), heapUsed };
}

/**
 * One server per system, members added in steps up to each count (so the 15,000 include the
 * first 5,000): after each step, (RSS − RSS of the empty server) / members.
 */
async function measure(system) {
  const server = await startServer(system);
  const loads = [];
  const out = {};
  try {
    const before = await settledRss(server);
    let total = 0;
    let failed = 0;
    for (const count of [...args.counts].sort((a, b) => a - b)) {
      progress(`memory: ${system} ${count} members`);
      const users = userIDs(count)
        .slice(total)
        .map((userID) => ({ userID, room: 'memory' }));
      const fresh = await startLoads(
        memberKind(system, 'lean'),
        server.info.url,
        Math.max(1, Math.ceil(users.length / args['members-per-process'])),
        { firstIndex: loads.length },
      );
      loads.push(...fresh);
      const started = Date.now();
      const login = await loginSpread(fresh, users, { concurrency: args.concurrency, timeoutMs: 120_000 });
      const loginS = (Date.now() - started) / 1000;
      failed += login.failed;
      total = count;
      if (login.failed > 0)
        progress(`${system} ${count}: ${login.failed} logins failed (${login.errors.join('; ')})`);
      await sleep(1000);
      const after = await settledRss(server);
      const { dropped } = await sumStatus(loads);
      const members = count - failed - dropped;
      out[count] = {
        members,
        failed,
        droppedLinks: dropped,
        rssBeforeMB: round(before.rss / 2 ** 20, 1),
        rssAfterMB: round(after.rss / 2 ** 20, 1),
        kbPerMember: round((after.rss - before.rss) / 1024 / Math.max(1, members), 2),
        heapKBPerMember: round((after.heapUsed - before.heapUsed) / 1024 / Math.max(1, members), 2),
        loginsPerS: Math.round(login.latencies.length / loginS),
      };
    }
    return out;
  } finally {
    await stopAll([...loads, server]);
  }
}

const results = {};
for (const system of args.systems) results[system] = await measure(system);

const ratios = peerRatios(results, args.systems, (atrium, peer) =>
  Object.fromEntries(
    args.counts.map((count) => [count, ratio(atrium[count].kbPerMember, peer[count].kbPerMember)]),
  ),
);
const output = report(
  'memory',
  {
    counts: args.counts,
    atriumClient: 'atrium-lean',
    clients: Object.fromEntries(args.systems.map((s) => [s, memberKind(s, 'lean')])),
    room: 'one room per count',
  },
  results,
  ratios,
);
const rows = countRows(args.systems, args.counts, results, (r) => [
  r.kbPerMember,
  r.heapKBPerMember,
  r.rssBeforeMB,
  r.rssAfterMB,
  r.loginsPerS,
  r.failed + r.droppedLinks,
]);
emit(
  args,
  output,
  'Server memory per logged-in member\n' +
    table(
      [
        'system',
        'members',
        'KB/member',
        'heap KB/member',
        'RSS before MB',
        'RSS after MB',
        'logins/s',
        'failed',
      ],
      rows,
    ),
);
