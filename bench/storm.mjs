#!/usr/bin/env node

// Benchmark 4, reconnect storm: N members of one room reach the server through a TCP proxy (its
// own process); the proxy cuts every link with a reset and refuses new ones for --down-ms, then
// lets them through. Measured: seconds from the network's return until every member is back,
// how many recovered their session, the server's CPU seconds from the cut until all are back,
// and the proof that no member was lost or duplicated (the server's member list, and a
// broadcast after the storm that every member gets exactly once). Meanwhile a fresh login goes
// straight to the server every --probe-every-ms from a probe process of raised priority (a client
// elsewhere would not share the load processes' CPU): it must stay under 100 ms.
//
// Clients: Atrium's real RoomEngine (its own backoff, resume and relogin); Socket.IO with
// connection-state recovery (a broadcast before the cut gives every client an offset); raw ws
// reconnecting with the SDK's backoff and joining again (it has no session to recover).

import { setPriority } from 'node:os';
import { readArgs } from './lib/args.mjs';
import { requireBuilt, script } from './lib/common.mjs';
import { behindProxy, loginSpread, sumProbes, sumStatus, untilReceived, userIDs } from './lib/harness.mjs';
import { cpuSeconds, epochMs, pollUntil, sleep, startChild } from './lib/procs.mjs';
import {
  countRows,
  emit,
  latencySummary,
  peerRatios,
  progress,
  ratio,
  report,
  round,
  table,
} from './lib/report.mjs';

const args = readArgs(
  'storm',
  'Reconnect storm: N members lose their links at once through a TCP proxy and the network returns.',
  {
    counts: { type: 'list', default: '2000,6000', help: 'members per storm' },
    'down-ms': { type: 'number', default: 2000, help: 'how long the network stays down' },
    'timeout-ms': { type: 'number', default: 40000, help: 'give up waiting for the members after this' },
    'probe-every-ms': {
      type: 'number',
      default: 200,
      help: 'a fresh login straight to the server this often',
    },
    'members-per-process': { type: 'number', default: 2000, help: 'members per load process' },
    repeat: { type: 'number', default: 1, help: 'storms back to back on the same members' },
    burn: { type: 'number', default: 0, help: 'extra processes burning a CPU core each meanwhile' },
    'atrium-max-links': {
      type: 'number',
      default: 0,
      help: "Atrium's maxLinks (0: its default, the open-file limit less a reserve)",
    },
    'server-nice': {
      type: 'number',
      default: 0,
      help: "run every system's server at this niceness (negative: ahead of the load processes, as on a machine of its own)",
    },
  },
);
requireBuilt();

const ROOM = 'storm';

/** Raises a process above the load processes (root may); returns the niceness it runs at. */
function raisePriority(pid, niceness = -10) {
  try {
    setPriority(pid, niceness);
    return niceness;
  } catch {
    return 0;
  }
}

/** `n` processes that each keep a core busy, to see the storm on a machine that is not idle. */
function burners(n) {
  return Promise.all(
    Array.from({ length: n }, () => startChild(script('clients/burn.mjs'), { name: 'burn' })),
  );
}

/** A proxy process holds two descriptors per link, and a process may open 20,000. */
const MEMBERS_PER_PROXY = 9000;
/** Atrium's default cap on a room's members; a bigger storm raises it (one room is the point). */
const ATRIUM_ROOM_CAP = 10_000;

async function storm(system, count) {
  const setup = {
    // Load process i goes through proxy i mod n, so whole processes are what a proxy carries.
    proxies: Math.ceil(
      Math.ceil(count / args['members-per-process']) /
        Math.max(1, Math.floor(MEMBERS_PER_PROXY / args['members-per-process'])),
    ),
    serverOptions:
      system === 'atrium'
        ? {
            ...(count > ATRIUM_ROOM_CAP ? { maxRoomMembers: count } : {}),
            ...(args['atrium-max-links'] > 0 ? { maxLinks: args['atrium-max-links'] } : {}),
          }
        : {},
  };
  return behindProxy(
    system,
    async ({ server, proxy, sdkLoads, parts }) => {
      const probe = await startChild(script('clients/probe.mjs'), { name: 'probe' });
      parts.push(probe);
      const probePriority = raisePriority(probe.pid);
      const serverPriority = args['server-nice'] === 0 ? 0 : raisePriority(server.pid, args['server-nice']);
      const processes = Math.max(1, Math.ceil(count / args['members-per-process']));
      const loads = await sdkLoads(processes);
      const users = userIDs(count);
      const login = await loginSpread(
        loads,
        users.map((userID) => ({ userID, room: ROOM })),
        { concurrency: 50, timeoutMs: 120_000 },
      );
      if (login.failed > 0) {
        const limited = system === 'atrium' ? await server.call('limited').catch(() => ({})) : {};
        throw new Error(
          `${login.failed} logins failed: ${login.errors.join('; ')}; server limits hit: ${JSON.stringify(limited)}`,
        );
      }
      const sender = login.hostOf.get(users[0]);
      for (const burner of await burners(args.burn)) parts.push(burner);
      /** One storm on the members logged in above; `run` counts the storms, from 0. */
      async function oneStorm(run) {
        // A room packet for everyone before the cut (Socket.IO recovers only a client that has an
        // offset), so two senders: neither gets its own broadcast.
        await Promise.all(loads.map((l) => l.call('resetCounts')));
        await sender.call('send', { senders: [users[0]], count: 1, text: 'probe:before' });
        await login.hostOf
          .get(users[1])
          .call('send', { senders: [users[1]], count: 1, text: 'probe:before' });
        await untilReceived(loads, 2 * (count - 1), { everyMs: 50, timeoutMs: 20_000 });
        await Promise.all(loads.map((l) => l.call('resetStatus')));
        await sleep(500);

        await server.call('loopDelay');
        const sideCpu = () => ({
          clients: loads.reduce((n, l) => n + cpuSeconds(l.pid), 0),
          proxy: proxy.pids.reduce((n, pid) => n + cpuSeconds(pid), 0),
        });
        const side0 = sideCpu();
        const counters = async () =>
          system === 'atrium' ? server.call('admission') : { shed: 0, abandoned: 0, queued: 0, left: 0 };
        const admission0 = await counters();
        const accepted0 = (await proxy.call('stats')).accepted;
        const cpu0 = cpuSeconds(server.pid);
        const cutAt = epochMs();
        await proxy.call('down');
        const allDown = await pollUntil(async () => (await sumStatus(loads)).downs >= count, {
          everyMs: 50,
          timeoutMs: 30_000,
        });
        if (!allDown) progress(`${system} ${count}: not every member noticed the cut`);
        await sleep(Math.max(0, cutAt + args['down-ms'] - epochMs()));
        const loopCut = await server.call('loopDelay');

        const upAt = epochMs();
        await proxy.call('up');
        const probes = [];
        let probeTurn = 0;
        let status = await sumStatus(loads);
        const deadline = upAt + args['timeout-ms'];
        let nextProbeAt = upAt;
        while ((status.backs < count || status.away > 0) && epochMs() < deadline && status.failed === 0) {
          if (epochMs() >= nextProbeAt && probes.length < 500) {
            nextProbeAt = epochMs() + args['probe-every-ms'];
            const at = epochMs() - upAt;
            const ms = await probe.call('login', {
              system,
              url: server.info.url,
              userID: `probe${probeTurn++}`,
              room: 'storm-probe',
            });
            probes.push(ms);
            if (!(ms < 100))
              progress(`fresh login took ${round(ms, 1)} ms, ${round(at, 0)} ms after the network returned`);
          } else await sleep(25);
          status = await sumStatus(loads);
        }
        const cpu = cpuSeconds(server.pid) - cpu0;
        const side1 = sideCpu();
        const attempts = (await proxy.call('stats')).accepted - accepted0;
        const admission1 = await counters();
        const loop = await server.call('loopDelay');
        const allBack = status.backs >= count && status.away === 0;
        const backS = allBack ? (status.lastBackAt - upAt) / 1000 : Number.NaN;
        if (!allBack)
          progress(`${system} ${count}: ${status.away} still away after ${args['timeout-ms']} ms`);

        // Proof: the server's list, then one broadcast every other member must get exactly once.
        await sleep(300);
        const list = await server.call('members', { room: ROOM, expect: users });
        await Promise.all(loads.map((l) => l.call('resetCounts')));
        await sender.call('send', { senders: [users[0]], count: 1, text: `probe:after-${count}-${run}` });
        await untilReceived(loads, count - 1, { everyMs: 50, timeoutMs: 10_000 });
        await sleep(300);
        const copies = await sumProbes(loads, `probe:after-${count}-${run}`, [users[0]]);
        const lat = latencySummary(probes.filter(Number.isFinite));
        return {
          members: count,
          allBack,
          backS: round(backS, 2),
          recovered: status.recovered,
          rebuilt: status.backs - status.recovered,
          serverCpuS: round(cpu, 2),
          sinceCutS: round((epochMs() - cutAt) / 1000, 1),
          failedRooms: status.failed,
          proof: {
            serverCount: list.count,
            serverDistinct: list.distinct,
            missingOnServer: list.missing,
            deliveredOnce: copies.once,
            notDelivered: copies.zero,
            deliveredTwice: copies.multiple,
            ok:
              list.count === count &&
              list.distinct === count &&
              list.missing === 0 &&
              copies.once === count - 1 &&
              copies.zero === 0 &&
              copies.multiple === 0,
          },
          freshLoginMs: { ...lat, failed: probes.length - lat.n, probePriority },
          serverPriority,
          /** How late the server's event loop ran from the cut until all were back. */
          serverLoopDelayMs: {
            maxMs: Math.max(loopCut.maxMs, loop.maxMs),
            cutMaxMs: loopCut.maxMs,
            returnMaxMs: loop.maxMs,
          },
          /** The same window's CPU in the load processes and the proxy, which share the machine. */
          clientCpuS: round(side1.clients - side0.clients, 2),
          proxyCpuS: round(side1.proxy - side0.proxy, 2),
          /** Connections the proxy accepted from the cut until all were back (refused ones included). */
          linkAttempts: attempts,
          /** Atrium: links told to come back later, and admitted links their client closed unanswered. */
          shedLinks: admission1.shed - admission0.shed,
          abandonedLinks: admission1.abandoned - admission0.abandoned,
          /** Atrium: links made to wait in line at the door, and those whose client left the line. */
          queuedLinks: admission1.queued - admission0.queued,
          leftLinks: admission1.left - admission0.left,
          resumes: status.resumes,
        };
      }

      const runs = [];
      for (let run = 0; run < args.repeat; run++) {
        if (args.repeat > 1) progress(`storm: ${system} ${count} members, run ${run + 1}/${args.repeat}`);
        runs.push(await oneStorm(run));
      }
      return args.repeat === 1 ? runs[0] : summarise(runs);
    },
    setup,
  );
}

/** The runs of a repeated storm: the median run's figures, and every run's for the table. */
function summarise(runs) {
  const sorted = [...runs].sort((a, b) => (a.backS || Infinity) - (b.backS || Infinity));
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const tippedOver = runs.filter((r) => !(r.backS <= 2 * median.backS)).length;
  return { ...median, runs, tippedOver };
}

const results = {};
for (const system of args.systems) {
  results[system] = {};
  for (const count of args.counts) {
    progress(`storm: ${system} ${count} members`);
    results[system][count] = await storm(system, count);
  }
}

const ratios = peerRatios(results, args.systems, (atrium, peer) =>
  Object.fromEntries(
    args.counts.map((count) => [
      count,
      {
        backTime: ratio(atrium[count].backS, peer[count].backS),
        serverCpu: ratio(atrium[count].serverCpuS, peer[count].serverCpuS),
      },
    ]),
  ),
);
const output = report(
  'storm',
  {
    counts: args.counts,
    downMs: args['down-ms'],
    clients: {
      atrium: 'atrium-sdk (RoomEngine)',
      ws: 'ws, SDK backoff, join again',
      socketio: 'socket.io-client, recovery',
    },
  },
  results,
  ratios,
);
const rows = countRows(args.systems, args.counts, results, (r, count) => [
  r.backS,
  `${r.recovered}/${count}`,
  r.serverCpuS,
  r.proof.ok
    ? 'yes'
    : `NO (${r.proof.serverCount} on server, ${r.proof.notDelivered} missed, ${r.proof.deliveredTwice} twice)`,
  r.freshLoginMs.max,
  r.serverLoopDelayMs.maxMs,
]);
const runRows = [];
for (const system of args.systems) {
  for (const count of args.counts) {
    const r = results[system][count];
    for (const [i, run] of (r.runs ?? [r]).entries()) {
      runRows.push([
        system,
        count,
        i + 1,
        run.backS,
        `${run.recovered}/${count}`,
        run.serverCpuS,
        run.freshLoginMs.max,
        run.serverLoopDelayMs.maxMs,
        run.linkAttempts,
        run.queuedLinks,
        run.leftLinks,
        run.shedLinks,
        run.abandonedLinks,
        run.proof.ok ? 'yes' : 'NO',
      ]);
    }
  }
}
const everyRun =
  args.repeat > 1
    ? `\n\nEvery run (${args.repeat} back to back${args.burn > 0 ? `, ${args.burn} CPU burner(s)` : ''})\n` +
      table(
        [
          'system',
          'members',
          'run',
          'all back s',
          'recovered',
          'server CPU s',
          'fresh max ms',
          'loop max ms',
          'link attempts',
          'in line',
          'left line',
          'shed',
          'abandoned',
          'ok',
        ],
        runRows,
      )
    : '';
emit(
  args,
  output,
  `Reconnect storm (network down ${args['down-ms']} ms)\n` +
    table(
      [
        'system',
        'members',
        'all back s',
        'recovered',
        'server CPU s',
        'none lost/dup',
        'fresh login max ms',
        'server loop max ms',
      ],
      rows,
    ) +
    everyRun,
);
