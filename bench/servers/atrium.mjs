// Atrium under test: `createRoomServer` from the built package, alone in this process, with the
// in-memory backend made here so the benchmark can ask who is in a room (the proof of a storm:
// no member lost, none twice). Started by lib/procs.mjs; argv[2] is JSON of extra options.
// ATRIUM_SERVER_DIST names another build's index.js (an A/B of a change in one run).

import { serveAtrium, startAtrium } from '../lib/atrium-node.mjs';
import { memberProof, serverBasics } from '../lib/child.mjs';
import { APP_ID } from '../lib/common.mjs';

const { createRoomServer, MemoryBackend } = await import(
  process.env.ATRIUM_SERVER_DIST || '../../packages/server/dist/index.js'
);
const extra = JSON.parse(process.argv[2] ?? '{}');
const backend = new MemoryBackend();
const server = await startAtrium(createRoomServer, { backend, ...extra });

serveAtrium(server, {
  ...serverBasics(),
  /** Who the backend has in `room`: count, distinct users, and the users of `expect` missing. */
  members: async ({ room, expect = [] }) => {
    const state = await backend.room({ appID: APP_ID, roomID: room }, true);
    const users = (state?.members ?? []).map((m) => m.user.userID);
    return memberProof(users, expect);
  },
  /** Admission control's counters, read off the server's own /metrics (0 for builds without them). */
  admission: async () => {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const read = (name) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? 0);
    return {
      shed: read('atrium_admission_shed_total'),
      abandoned: read('atrium_admission_abandoned_total'),
      queued: read('atrium_admission_queued_total'),
      left: read('atrium_admission_left_total'),
    };
  },
  /** The limits that refused something, from /metrics (`atrium_limited_total` by limit). */
  limited: async () => {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    return Object.fromEntries(
      [...text.matchAll(/^atrium_limited_total\{limit="([^"]+)"\} (\S+)$/gm)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
  },
  /** A clean exit, so --cpu-prof can write its profile. */
  exit: async () => {
    setTimeout(() => process.exit(0), 20);
    return true;
  },
});
