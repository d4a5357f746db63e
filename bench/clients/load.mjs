// A load process: hosts members of one kind (clients/members.mjs) on a few loopback source
// addresses and does what the benchmark asks over IPC — log members in, send broadcasts, count
// what arrived, report link losses and returns. argv[2] is JSON `{ kind, url, localAddresses,
// reconnect }`. Tokens are made here before any login is timed (the app server's work, not the
// room server's).

import { generateToken04 } from '../../packages/token/dist/index.js';
import { serveParent } from '../lib/child.mjs';
import { APP_ID, SERVER_SECRET, TOKEN_TTL_SEC } from '../lib/common.mjs';
import { epochMs, sleep } from '../lib/procs.mjs';
import { MEMBER_KINDS, Tally, timedLogin } from './members.mjs';

const { kind, url, localAddresses, reconnect = false } = JSON.parse(process.argv[2]);
const Member = MEMBER_KINDS[kind];
if (Member === undefined) throw new Error(`unknown member kind ${kind}`);

const tally = new Tally();
/** userID → member */
const members = new Map();
let addressTurn = 0;

/** Atrium's heartbeat for lean members: one sweep for the process, a fifth of them each second. */
const PING_SLICES = 5;
let pingTurn = 0;
const pingTimer = setInterval(() => {
  let i = 0;
  for (const member of members.values()) {
    if (i++ % PING_SLICES === pingTurn && typeof member.ping === 'function') member.ping();
  }
  pingTurn = (pingTurn + 1) % PING_SLICES;
}, 1000);
pingTimer.unref();

function makeMember(spec) {
  const localAddress = localAddresses[addressTurn++ % localAddresses.length];
  const token = kind.startsWith('atrium')
    ? generateToken04(APP_ID, spec.userID, SERVER_SECRET, TOKEN_TTL_SEC)
    : '';
  const member = new Member({ url, localAddress, tally, reconnect }, { ...spec, token });
  members.set(spec.userID, member);
  return member;
}

const ready = serveParent({
  /**
   * Creates and logs in `users` ([{ userID, room }]), `concurrency` at a time (1 = one after
   * another). Returns the latencies of the logins that succeeded and a sample of the failures.
   */
  login: async ({ users, concurrency = 100, timeoutMs = 30_000 }) => {
    const fresh = users.map(makeMember);
    const latencies = [];
    const errors = [];
    let next = 0;
    const worker = async () => {
      while (next < fresh.length) {
        const member = fresh[next++];
        const result = await timedLogin(member, timeoutMs);
        if (result instanceof Error) errors.push(result.message);
        else latencies.push(result);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, fresh.length)) }, worker));
    return { latencies, failed: errors.length, errors: [...new Set(errors)].slice(0, 5) };
  },

  /**
   * `count` broadcasts from each of `senders` (userIDs): all at once (`paceMs` 0) or one every
   * `paceMs`. Resolves when every one is acknowledged.
   */
  send: async ({ senders, count, paceMs = 0, text }) => {
    const startedAt = epochMs();
    const acks = [];
    for (let i = 0; i < count; i++) {
      if (paceMs > 0 && i > 0) await sleep(paceMs);
      for (const userID of senders) {
        const member = members.get(userID);
        if (member !== undefined) acks.push(member.broadcast(text).catch(() => -1));
      }
    }
    const codes = await Promise.all(acks);
    return { startedAt, sent: codes.length, failed: codes.filter((c) => c !== 0).length, ackedAt: epochMs() };
  },

  counts: async () => ({ received: tally.received, lastReceivedAt: tally.lastReceivedAt }),

  resetCounts: async () => {
    tally.received = 0;
    tally.lastReceivedAt = 0;
    return true;
  },

  /** How many members got the probe `tag` exactly once, not at all, or more than once. */
  probes: async ({ tag, except = [] }) => {
    const skip = new Set(except);
    const out = { once: 0, zero: 0, multiple: 0 };
    for (const [userID, member] of members) {
      if (skip.has(userID)) continue;
      const n = member.probes.get(tag) ?? 0;
      if (n === 1) out.once++;
      else if (n === 0) out.zero++;
      else out.multiple++;
    }
    return out;
  },

  status: async () => {
    let away = 0;
    let failed = 0;
    for (const member of members.values()) {
      if (member.away) away++;
      if (member.failed) failed++;
    }
    return {
      members: members.size,
      away,
      failed,
      dropped: tally.dropped,
      downs: tally.downs,
      backs: tally.backs,
      recovered: tally.recovered,
      lastBackAt: tally.lastBackAt,
      resumes: tally.resumes,
    };
  },

  resetStatus: async () => {
    tally.downs = 0;
    tally.backs = 0;
    tally.recovered = 0;
    tally.lastBackAt = 0;
    tally.resumeSamples = [];
    tally.resumes = {};
    return true;
  },

  samples: async () => tally.resumeSamples,

  close: async () => {
    for (const member of members.values()) member.close();
    members.clear();
    return true;
  },
});
ready({ kind, addresses: localAddresses });
