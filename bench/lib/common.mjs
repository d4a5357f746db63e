// What every benchmark shares: the app credentials, where the built packages are, the systems
// under test, and how load is spread over processes and loopback source addresses.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT_DIR = dirname(BENCH_DIR);

export const APP_ID = 1234567;
export const SERVER_SECRET = 'bench0123456789abcdef0123456789x';
export const TOKEN_TTL_SEC = 24 * 3600;

/**
 * Atrium's options for a benchmark whose one sender broadcasts in bursts far beyond what a real
 * member sends (hundreds per burst, for minutes): its input budget would pause it and then close
 * its link, and its message rate would refuse most broadcasts. Both are still checked on every
 * frame, so their cost is in the figures.
 */
export const BURST_SENDER_OPTIONS = {
  inputFramesPerSec: 1_000_000,
  inputBytesPerSec: 1_000_000_000,
  rateMessagesPerSec: 10_000_000,
  rateMessagesBurst: 10_000_000,
};

/** The broadcast text every system sends: 64 bytes, the size of a short chat line. */
export const MESSAGE_TEXT = 'x'.repeat(64);

/** The systems every benchmark runs, Atrium first; the other two are its peers. */
export const SYSTEMS = ['atrium', 'ws', 'socketio'];

export const SYSTEM_LABELS = {
  atrium: 'Atrium',
  ws: 'raw ws',
  'ws-cork': 'raw ws + cork',
  socketio: 'Socket.IO 4',
  'atrium-before': 'Atrium (before)',
};

export function distPath(pkg, file) {
  return join(ROOT_DIR, 'packages', pkg, 'dist', file);
}

/** Stops early with a clear message when `npx tsc -b` has not been run. */
export function requireBuilt() {
  for (const pkg of ['protocol', 'token', 'sdk', 'server']) {
    if (!existsSync(distPath(pkg, 'index.js'))) {
      console.error(`packages/${pkg}/dist is missing: run \`npx tsc -b\` first`);
      process.exit(2);
    }
  }
}

export const script = (relative) => join(BENCH_DIR, relative);

/**
 * Loopback source addresses for client sockets: every 127.0.0.x is this host, and each one has
 * its own ephemeral port range, so tens of thousands of links never run out of ports.
 */
export function sourceAddresses(processIndex, perProcess = 2) {
  const out = [];
  for (let i = 0; i < perProcess; i++) out.push(`127.0.0.${2 + ((processIndex * perProcess + i) % 200)}`);
  return out;
}

/** Splits `total` members into `parts` near-equal contiguous ranges `{ from, count }`. */
export function splitRange(total, parts) {
  const out = [];
  let from = 0;
  for (let i = 0; i < parts; i++) {
    const count = Math.floor(total / parts) + (i < total % parts ? 1 : 0);
    out.push({ from, count });
    from += count;
  }
  return out.filter((r) => r.count > 0);
}

/** How many load processes for `members` links: at most `perProcess` links each (files limit 20,000). */
export function processesFor(members, perProcess = 2500) {
  return Math.max(1, Math.ceil(members / perProcess));
}
