// Starting the parts of a run: the server of a system in its own process, load processes of the
// matching client kind spread over source addresses, and the proxy; logging members in across
// the load processes; summing what they counted.

import { existsSync } from 'node:fs';
import { script, sourceAddresses, splitRange } from './common.mjs';
import { pollUntil, startChild, stopAll } from './procs.mjs';

/** Each system's server script, and options it always gets. */
const SERVERS = {
  atrium: { path: 'servers/atrium.mjs', options: {} },
  ws: { path: 'servers/ws.mjs', options: {} },
  /** Not a default peer: raw ws with each socket corked until the end of the tick. */
  'ws-cork': { path: 'servers/ws.mjs', options: { cork: true } },
  socketio: { path: 'servers/socketio.mjs', options: {} },
  /** For an A/B of a server change in one run: Atrium built elsewhere (env ATRIUM_BEFORE_DIST). */
  'atrium-before': {
    path: 'servers/atrium.mjs',
    options: {},
    env: { ATRIUM_SERVER_DIST: process.env.ATRIUM_BEFORE_DIST ?? '' },
  },
};

/** Node flags for every server process from BENCH_SERVER_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
export const serverFlags = () => (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);

/** Starts `system`'s server (with `--expose-gc`, so memory is read after a collection). */
export function startServer(system, options = {}) {
  const server = SERVERS[system];
  if (server === undefined) throw new Error(`unknown system ${system}`);
  return startChild(script(server.path), {
    args: [JSON.stringify({ ...server.options, ...options })],
    execArgv: ['--expose-gc', ...serverFlags()],
    name: `${system} server`,
    env: server.env,
  });
}

/**
 * For the benchmarks of cut links (storm, resume): `system`'s server with session recovery on
 * (Socket.IO's is opt-in) and the proxy in front of it, then `run({ server, proxy, sdkLoads, parts })`.
 * `sdkLoads(count, { direct, firstIndex })` starts load processes of the system's real client,
 * reconnecting, through the proxy (or straight to the server). Everything started, and whatever
 * `run` pushes on `parts`, is stopped afterwards, whatever happens.
 *
 * `proxies` > 1 runs that many proxy processes (a proxy holds two descriptors per link and a
 * process may open 20,000), load process i going through proxy i mod n; `proxy` then stands for
 * all of them (each call goes to every one, numeric results are summed; `pids` lists them).
 * `serverOptions` go to the server (Atrium's own options, for a size past its defaults).
 */
export async function behindProxy(system, run, { proxies = 1, serverOptions = {} } = {}) {
  const server = await startServer(system, {
    ...(system === 'socketio' ? { recovery: true } : {}),
    ...serverOptions,
  });
  const parts = [server];
  try {
    const started = await Promise.all(
      Array.from({ length: proxies }, (_, i) => startProxy(server.info.port, i)),
    );
    parts.push(...started);
    const proxy = proxyGroup(started);
    const sdkLoads = async (count, { direct = false, firstIndex = 0 } = {}) => {
      const loads = await Promise.all(
        Array.from({ length: count }, (_, i) => {
          const via = started[(firstIndex + i) % started.length];
          const url = direct ? server.info.url : viaPort(server.info.url, via.info.port);
          return startLoads(memberKind(system, 'sdk'), url, 1, {
            reconnect: true,
            firstIndex: firstIndex + i,
          });
        }),
      );
      parts.push(...loads.flat());
      return loads.flat();
    };
    return await run({ server, proxy, sdkLoads, parts });
  } finally {
    // Flags such as --cpu-prof write their output on a clean exit only.
    if (serverFlags().length > 0) {
      await server.call('exit', {}, 10_000).catch(() => {});
      await pollUntil(() => !existsSync(`/proc/${server.pid}`), { everyMs: 100, timeoutMs: 30_000 });
    }
    await stopAll(parts);
  }
}

/** Several proxies as one: a call goes to each, and numeric fields of the results are summed. */
function proxyGroup(proxies) {
  return {
    pid: proxies[0].pid,
    pids: proxies.map((p) => p.pid),
    info: proxies[0].info,
    async call(name, arg) {
      const results = await Promise.all(proxies.map((p) => p.call(name, arg)));
      if (typeof results[0] !== 'object' || results[0] === null) return results[0];
      const sum = {};
      for (const r of results) for (const [k, v] of Object.entries(r)) sum[k] = (sum[k] ?? 0) + v;
      return sum;
    },
  };
}

/**
 * The client kind that loads `system`: 'sdk' is each system's real client (RoomEngine,
 * socket.io-client; raw ws has only one), 'lean' its wire protocol by hand, for thousands.
 */
export function memberKind(system, client = 'lean') {
  if (system === 'atrium' || system === 'atrium-before')
    return client === 'sdk' ? 'atrium-sdk' : 'atrium-lean';
  if (system === 'socketio') return client === 'sdk' ? 'socketio' : 'socketio-lean';
  return 'ws';
}

/** `url` with its port replaced (to go through the proxy). */
export function viaPort(url, port) {
  const u = new URL(url);
  u.port = String(port);
  return u.toString().replace(/\/$/, '');
}

/** Starts `count` load processes of `kind`, each on its own pair of source addresses. */
export function startLoads(kind, url, count, { reconnect = false, firstIndex = 0 } = {}) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startChild(script('clients/load.mjs'), {
        args: [JSON.stringify({ kind, url, localAddresses: sourceAddresses(firstIndex + i), reconnect })],
        name: `load ${i} (${kind})`,
      }),
    ),
  );
}

/** The `index`th proxy to the server at `targetPort`; each leaves from four source addresses of its own. */
export function startProxy(targetPort, index = 0) {
  return startChild(script('network/proxy.mjs'), {
    args: [JSON.stringify({ target: targetPort, localAddresses: sourceAddresses(150 + index, 4) })],
    name: index === 0 ? 'proxy' : `proxy ${index}`,
  });
}

/**
 * Logs in `users` ([{ userID, room }]) spread over `loads` in contiguous ranges; `concurrency`
 * per load process. Returns all latencies, failures, and which load hosts which user.
 */
export async function loginSpread(loads, users, { concurrency = 100, timeoutMs = 60_000 } = {}) {
  const ranges = splitRange(users.length, loads.length);
  const hostOf = new Map();
  const results = await Promise.all(
    ranges.map(({ from, count }, i) => {
      const slice = users.slice(from, from + count);
      for (const u of slice) hostOf.set(u.userID, loads[i]);
      return loads[i].call('login', { users: slice, concurrency, timeoutMs }, timeoutMs * 4 + 60_000);
    }),
  );
  return {
    latencies: results.flatMap((r) => r.latencies),
    failed: results.reduce((n, r) => n + r.failed, 0),
    errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 5),
    hostOf,
  };
}

export async function totalReceived(loads) {
  const counts = await Promise.all(loads.map((l) => l.call('counts')));
  return {
    received: counts.reduce((n, c) => n + c.received, 0),
    lastReceivedAt: Math.max(0, ...counts.map((c) => c.lastReceivedAt)),
  };
}

/** Polls (lib/procs.mjs `pollUntil` options) until the loads have received `expected` in all; false on timeout. */
export function untilReceived(loads, expected, options) {
  return pollUntil(async () => (await totalReceived(loads)).received >= expected, options);
}

export async function sumStatus(loads) {
  const all = await Promise.all(loads.map((l) => l.call('status')));
  const sum = (k) => all.reduce((n, s) => n + s[k], 0);
  return {
    members: sum('members'),
    away: sum('away'),
    failed: sum('failed'),
    dropped: sum('dropped'),
    downs: sum('downs'),
    backs: sum('backs'),
    recovered: sum('recovered'),
    lastBackAt: Math.max(0, ...all.map((s) => s.lastBackAt)),
    resumes: mergeCounts(all.map((s) => s.resumes ?? {})),
  };
}

function mergeCounts(list) {
  const out = {};
  for (const counts of list) for (const [k, v] of Object.entries(counts)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export async function sumProbes(loads, tag, except = []) {
  const all = await Promise.all(loads.map((l) => l.call('probes', { tag, except })));
  return {
    once: all.reduce((n, p) => n + p.once, 0),
    zero: all.reduce((n, p) => n + p.zero, 0),
    multiple: all.reduce((n, p) => n + p.multiple, 0),
  };
}

export const userIDs = (n, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
