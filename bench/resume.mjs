#!/usr/bin/env node
// Benchmark 5, resume latency: from the link coming back to the member being back in its room,
// p50/p99. M members reach the server through a TCP proxy; each round the proxy resets their
// links (the network stays up), one member connected straight to the server broadcasts while
// they are away, and every mover comes back by itself. A sample runs from the first frame on
// the new link (Atrium: `hello`; Socket.IO: the engine.io handshake; raw ws: the open) to
// RECONNECTED (Atrium), `connect` (Socket.IO, recovered or joined again) or the join's ack (raw
// ws). Each round also checks that the message sent during the gap arrived exactly once.

import { readArgs } from './lib/args.mjs';
import { requireBuilt, SYSTEM_LABELS } from './lib/common.mjs';
import { behindProxy, loginSpread, sumProbes, sumStatus, untilReceived, userIDs } from './lib/harness.mjs';
import { pollUntil, sleep } from './lib/procs.mjs';
import { emit, latencySummary, peerRatios, progress, ratio, report, table } from './lib/report.mjs';

const args = readArgs(
  'resume',
  'Resume latency p50/p99: from the link back to the member back in its room.',
  {
    movers: { type: 'number', default: 20, help: 'members whose links are cut each round' },
    rounds: { type: 'number', default: 10, help: 'rounds (samples = movers × rounds)' },
  },
);
requireBuilt();

const ROOM = 'resume';

async function measure(system) {
  return behindProxy(system, async ({ proxy, sdkLoads }) => {
    const [movers] = await sdkLoads(1);
    const [direct] = await sdkLoads(1, { direct: true, firstIndex: 1 });
    const moverIDs = userIDs(args.movers, 'm');
    const login = await loginSpread(
      [movers],
      moverIDs.map((userID) => ({ userID, room: ROOM })),
    );
    const senderLogin = await loginSpread([direct], [{ userID: 'sender', room: ROOM }]);
    if (login.failed + senderLogin.failed > 0) throw new Error(`logins failed: ${login.errors.join('; ')}`);
    // A room packet before the first cut: Socket.IO recovers only a client that has an offset.
    await direct.call('send', { senders: ['sender'], count: 1, text: 'probe:before' });
    await untilReceived([movers], args.movers, { timeoutMs: 10_000 });
    await movers.call('resetStatus');

    const copies = { once: 0, zero: 0, multiple: 0 };
    let recovered = 0;
    for (let round = 0; round < args.rounds; round++) {
      const before = await sumStatus([movers]);
      await proxy.call('reset');
      await pollUntil(async () => (await sumStatus([movers])).downs >= before.downs + args.movers, {
        everyMs: 5,
        timeoutMs: 10_000,
      });
      const tag = `probe:round-${round}`;
      await direct.call('send', { senders: ['sender'], count: 1, text: tag });
      const back = await pollUntil(
        async () => {
          const s = await sumStatus([movers]);
          return s.backs >= before.backs + args.movers && s.away === 0 ? s : null;
        },
        { everyMs: 20, timeoutMs: 30_000 },
      );
      if (!back) progress(`${system}: round ${round}, not every mover came back`);
      await sleep(200);
      const got = await sumProbes([movers], tag);
      copies.once += got.once;
      copies.zero += got.zero;
      copies.multiple += got.multiple;
      recovered = (back || (await sumStatus([movers]))).recovered;
    }
    const samples = await movers.call('samples');
    const ms = samples.map((s) => s.ms);
    return {
      ...latencySummary(ms),
      recovered,
      samples: samples.length,
      gapMessage: { deliveredOnce: copies.once, missed: copies.zero, duplicated: copies.multiple },
    };
  });
}

const results = {};
for (const system of args.systems) {
  progress(`resume: ${system}`);
  results[system] = await measure(system);
}
const ratios = peerRatios(results, args.systems, (atrium, peer) => ({
  p50: ratio(atrium.p50, peer.p50),
  p99: ratio(atrium.p99, peer.p99),
}));
const output = report(
  'resume',
  {
    movers: args.movers,
    rounds: args.rounds,
    clients: {
      atrium: 'atrium-sdk (RoomEngine)',
      ws: 'ws, join again',
      socketio: 'socket.io-client, recovery',
    },
  },
  results,
  ratios,
);
const rows = args.systems.map((system) => {
  const r = results[system];
  return [
    SYSTEM_LABELS[system],
    r.p50,
    r.p99,
    `${r.recovered}/${r.samples}`,
    `${r.gapMessage.deliveredOnce}/${r.samples}`,
    r.gapMessage.missed,
    r.gapMessage.duplicated,
  ];
});
emit(
  args,
  output,
  `Resume latency, ms (link back → back in the room; ${args.movers} members × ${args.rounds} rounds)\n` +
    table(['system', 'p50', 'p99', 'recovered', 'gap msg once', 'missed', 'twice'], rows),
);
