// The child side of lib/procs.mjs: answer `{ id, cmd, args }` messages with the named handler's
// result, announce readiness, and exit when the parent goes away (so no child outlives a run); and
// what every server under test (bench/servers/*.mjs) answers alike.

import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Serves `handlers` (cmd → async (args) → result) over the IPC channel; returns `ready(info)`. */
export function serveParent(handlers) {
  if (typeof process.send !== 'function') {
    console.error('this script is a child of a benchmark; run one of bench/*.mjs instead');
    process.exit(2);
  }
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message) => {
    const { id, cmd, args } = message ?? {};
    const handler = handlers[cmd];
    try {
      if (handler === undefined) throw new Error(`unknown command ${cmd}`);
      const result = await handler(args ?? {});
      process.send({ id, ok: true, result });
    } catch (error) {
      process.send({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });
  return (info = {}) => process.send({ ready: true, info });
}

/** How late this process's event loop ran: `read()` returns max and p99 in ms since the last read. */
export function watchEventLoop() {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  return {
    read() {
      const out = {
        maxMs: Math.round(histogram.max / 1e5) / 10,
        p99Ms: Math.round(histogram.percentile(99) / 1e5) / 10,
      };
      histogram.reset();
      return out;
    },
  };
}

/**
 * The commands every server under test answers alike: a forced collection (`gc`, the servers run
 * with --expose-gc), `memory`, and `loopDelay` since the last ask. Call it once the server is up.
 */
export function serverBasics() {
  const loop = watchEventLoop();
  return {
    gc: async () => {
      globalThis.gc?.();
      return true;
    },
    memory: async () => process.memoryUsage(),
    loopDelay: async () => loop.read(),
  };
}

/**
 * The answer to `members` (the proof of a storm: no member lost, none twice) from the user IDs a
 * server holds in a room: how many, how many distinct, and how many of `expect` are missing.
 */
export function memberProof(users, expect) {
  const distinct = new Set(users);
  const missing = expect.filter((u) => !distinct.has(u));
  return {
    count: users.length,
    distinct: distinct.size,
    missing: missing.length,
    sample: missing.slice(0, 5),
  };
}

/** Listens on a free loopback port; returns it. */
export async function listenLoopback(http) {
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return http.address().port;
}
