// The process's open-file limit, as `ulimit -n` reports it (the soft limit): every link, every
// HTTP connection, the Redis connections and the log file take one descriptor. The connection
// caps are derived from it so that a flood of sockets is refused before the process runs out
// and can no longer accept `/healthz`, the admin API or a real client's login.

import { readFileSync } from 'node:fs';

/** Where the limit cannot be read (not Linux): the common default of a login shell. */
export const FALLBACK_FD_LIMIT = 1024;

/** The soft RLIMIT_NOFILE from /proc/self/limits ("Max open files  <soft>  <hard>  files"). */
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number {
  try {
    const line = read()
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === 'unlimited') return 1_000_000;
    const n = Number(soft);
    return Number.isSafeInteger(n) && n > 0 ? n : FALLBACK_FD_LIMIT;
  } catch {
    return FALLBACK_FD_LIMIT;
  }
}

/**
 * Descriptors kept out of the WebSocket link cap: for /healthz, /metrics, the admin API, new
 * connections that are still to be refused or upgraded, Redis and files. A tenth of the limit,
 * at least 64 and at most 2048.
 */
export function reservedFds(fdLimit: number): number {
  return Math.min(2048, Math.max(64, Math.ceil(fdLimit / 10)));
}
