#!/usr/bin/env node
// Benchmark 3, memory: server RSS per logged-in member at several member counts, one room each.
// RSS is read from /proc/<pid>/status after a forced collection (the servers run with
// --expose-gc), before the logins and after them; the difference over the member count is the
// figure. Load clients are spread over processes and loopback source addresses.

import { readArgs } from './lib/args.mjs';
import { requireBuilt, SYSTEM_LABELS } from './lib/common.mjs';
import { loginSpread, memberKind, startLoads, startServer, sumStatus, userIDs } from './lib/harness.mjs';
import { rssBytes, sleep, stopAll } from './lib/procs.mjs';
import { emit, machine, progress, ratio, round, table } from './lib/report.mjs';

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

async function measure(system, count) {
  const server = await startServer(system);
  const loads = [];
  try {
    const processes = Math.max(1, Math.ceil(count / args['members-per-process']));
    loads.push(...(await startLoads(memberKind(system, 'lean'), server.info.url, processes)));
    const before = await settledRss(server);
    const started = Date.now();
    const users = userIDs(count).map((userID) => ({ userID, room: 'memory' }));
    const login = await loginSpread(loads, users, { concurrency: args.concurrency, timeoutMs: 120_000 });
    const loginS = (Date.now() - started) / 1000;
    await sleep(1000);
    const after = await settledRss(server);
    const { dropped } = await sumStatus(loads);
    const members = login.latencies.length - dropped;
    if (login.failed > 0)
      progress(`${system} ${count}: ${login.failed} logins failed (${login.errors.join('; ')})`);
    return {
      members,
      failed: login.failed,
      droppedLinks: dropped,
      rssBeforeMB: round(before.rss / 2 ** 20, 1),
      rssAfterMB: round(after.rss / 2 ** 20, 1),
      kbPerMember: round((after.rss - before.rss) / 1024 / Math.max(1, members), 2),
      heapKBPerMember: round((after.heapUsed - before.heapUsed) / 1024 / Math.max(1, members), 2),
      loginsPerS: Math.round(login.latencies.length / loginS),
    };
  } finally {
    await stopAll([...loads, server]);
  }
}

const results = {};
for (const system of args.systems) {
  results[system] = {};
  for (const count of args.counts) {
    progress(`memory: ${system} ${count} members`);
    results[system][count] = await measure(system, count);
  }
}

const ratios = {};
if (results.atrium) {
  for (const peer of args.systems.filter((s) => s !== 'atrium')) {
    ratios[peer] = {};
    for (const count of args.counts) {
      ratios[peer][count] = ratio(results.atrium[count].kbPerMember, results[peer][count].kbPerMember);
    }
  }
}
const output = {
  bench: 'memory',
  date: new Date().toISOString(),
  machine: machine(),
  params: { counts: args.counts, atriumClient: 'atrium-lean', room: 'one room per count' },
  results,
  ratios,
};
const rows = [];
for (const system of args.systems) {
  for (const count of args.counts) {
    const r = results[system][count];
    rows.push([
      SYSTEM_LABELS[system],
      count,
      r.kbPerMember,
      r.heapKBPerMember,
      r.rssBeforeMB,
      r.rssAfterMB,
      r.loginsPerS,
      r.failed + r.droppedLinks,
    ]);
  }
}
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
