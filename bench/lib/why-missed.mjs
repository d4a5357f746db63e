// What stands in the way of each performance target when a run misses it, from profiling the
// servers and reading Atrium's; docs/benchmarks.md quotes the entry of every missed target. Each
// entry takes the run's results, so the figures it cites are this run's.

const n = (x, d = 2) => (Number.isFinite(x) ? String(+x.toFixed(d)) : '—');

export const WHY_MISSED = {
  'fanout-burst': () =>
    'a burst already leaves each member in one write per tick and the frame is built once; what ' +
    'remains per delivery is one write call into Node’s stream buffer per member per broadcast. Going ' +
    'lower means concatenating a member’s frames of a tick into one buffer before writing, or native ' +
    'topic pub/sub (Bun/uWebSockets, docs/architecture.md principle 3).',

  'fanout-paced': () =>
    'paced broadcasts fall in separate ticks, so every delivery is its own write syscall, and on ' +
    'loopback the kernel’s TCP work for both ends is charged to the writing process. One syscall per ' +
    'member per broadcast is the floor short of holding frames across ticks (a few ms of added ' +
    'latency) or a native transport.',

  'memory-ws': ({ memory }) => {
    const a = Object.values(memory?.results?.atrium ?? {}).at(-1);
    const w = Object.values(memory?.results?.ws ?? {}).at(-1);
    return (
      `Atrium holds more per member than a bare room map: the session (ID, resume key, rooms, grace ` +
      `state), the gateway’s connection and request queue, the fan-out’s member and two topic ` +
      `subscriptions, the backend’s member record and user index. In JS heap that is ${n(a?.heapKBPerMember)} ` +
      `KB against raw ws’s ${n(w?.heapKBPerMember)} KB per member; the rest of RSS is ws and the TCP ` +
      'socket, the same for both.'
    );
  },

  'memory-sio': ({ memory }) => {
    const rows = memory?.results ?? {};
    const counts = Object.keys(rows.atrium ?? {});
    const parts = counts.map((c) => {
      const bound = 0.6 * (rows.socketio?.[c]?.kbPerMember ?? Number.NaN);
      return `at ${c}: 0.6 × Socket.IO = ${n(bound)} KB, raw ws ${n(rows.ws?.[c]?.kbPerMember)} KB, Atrium ${n(rows.atrium[c]?.kbPerMember)} KB`;
    });
    return (
      `the bound sits at or below what raw ws itself needs per member (${parts.join('; ')}): a ws ` +
      'WebSocket with its receiver and sender and the net.Socket under it cost about as much as the ' +
      'whole budget. Meeting it means a lighter transport than ws (uWebSockets via Bun, docs/architecture.md principle 3), ' +
      'or Atrium’s own per-session state (the heap figures, and the note on raw ws) shrinking to nearly nothing.'
    );
  },

  'login-seq': ({ login }) => {
    const r = login?.results ?? {};
    return (
      `an Atrium login does more than a join: Token04 decryption (AES) and checks, a session with its ` +
      `IDs and resume key, the backend join and a snapshot reply, and on the client the RoomEngine — ` +
      `${n(r.atrium?.sequential?.serverCpuUsPerLogin, 0)} µs of server CPU per login against Socket.IO’s ` +
      `${n(r.socketio?.sequential?.serverCpuUsPerLogin, 0)} µs and raw ws’s ${n(r.ws?.sequential?.serverCpuUsPerLogin, 0)} µs.`
    );
  },

  'login-conc': ({ login }) => {
    const r = login?.results ?? {};
    const c = (sys) => r[sys]?.concurrent ?? {};
    return (
      `a thousand logins started in the same instant from ${login?.params?.processesAtOnce ?? 1} load processes queue on ` +
      'the same 2 cores as the server, so the client’s cost counts as much as the server’s: per login ' +
      `here Atrium’s server spent ${n(c('atrium').serverCpuUsPerLogin, 0)} µs and its RoomEngine ` +
      `${n(c('atrium').clientCpuUsPerLogin, 0)} µs, Socket.IO’s server ${n(c('socketio').serverCpuUsPerLogin, 0)} µs and ` +
      `socket.io-client ${n(c('socketio').clientCpuUsPerLogin, 0)} µs. On the server the login is Token04 ` +
      'decryption and checks, the session with its IDs and resume key, the backend join and the ' +
      'snapshot reply; clients on their own machines would leave only that.'
    );
  },

  'storm-time': ({ storm }) => {
    const s = storm?.params?.downMs ?? 2000;
    return (
      `the time until all are back is set by the clients’ retry schedules more than by the server (a CPU ` +
      `profile of Atrium’s server through a storm of 2,000 found it idle 70 % of the time): Atrium’s SDK retries at 250 ms doubling to a 5 s cap with ` +
      `±20 % jitter (docs/contract.md, "Reconnection"), so after a ${s} ms outage its members come back on the retry step that ` +
      'follows; Socket.IO starts at 1 s with ±50 % randomization. The ratio moves with the outage ' +
      'length, with the random draws of both and with the machine’s load, run to run: across the day’s ' +
      'runs here it went from 0.47× to 1.33× at 2,000 and from 0.36× to 2.5× at 6,000 (see the storm ' +
      'finding below).'
    );
  },

  'storm-cpu': ({ storm }) => {
    const byCount = storm?.results ?? {};
    const parts = Object.keys(byCount.atrium ?? {}).map(
      (c) =>
        `${c}: Atrium ${n(byCount.atrium[c]?.serverCpuS)} s, raw ws ${n(byCount.ws?.[c]?.serverCpuS)} s, 0.5 × Socket.IO ${n(0.5 * (byCount.socketio?.[c]?.serverCpuS ?? Number.NaN))} s`,
    );
    return (
      'most of the server’s CPU in a storm is accepting the links again — Node’s HTTP upgrade and the ' +
      'ws handshake (SHA-1 of the key, header parsing, a socket per link) — which raw ws pays too while ' +
      `doing nothing else (${parts.join('; ')}). Atrium’s own share is the difference to raw ws: ` +
      'detaching each broken session, then per resume the history read, holding and releasing live ' +
      'events, the reply and the ping barrier the SDK sends before RECONNECTED.'
    );
  },

  'storm-recovered': ({ storm }) => {
    const answers = Object.entries(storm?.results?.atrium ?? {})
      .map(([count, r]) => {
        const list = Object.entries(r.resumes ?? {}).map(([k, v]) => `${v} ${k}`);
        return list.length ? `${count}: ${list.join(', ')}` : '';
      })
      .filter(Boolean);
    return (
      'members not recovered were rebuilt (RECONNECTED {"recovered":false}) because the server answered ' +
      'their resume with a snapshot — the room’s history no longer reached back to their last seq — or ' +
      `refused it because the session was gone${answers.length ? ` (answers seen: ${answers.join('; ')})` : ''}. ` +
      'A session is kept for the 30 s grace period only: a storm that takes longer than that to clear ' +
      'loses sessions whatever the server does; the history limit is the first finding below.'
    );
  },

  'storm-proof': () => 'a member was lost or doubled: the storm table says which check failed.',

  'storm-login': ({ storm }) => {
    const byCount = storm?.results ?? {};
    const parts = Object.keys(byCount.atrium ?? {}).map((c) => {
      const loop = (sys) => n(byCount[sys]?.[c]?.serverLoopDelayMs?.maxMs, 0);
      return `${c}: Atrium ${loop('atrium')} ms, raw ws ${loop('ws')} ms, Socket.IO ${loop('socketio')} ms`;
    });
    return (
      'a fresh login that arrives with a wave of returning links waits behind the whole wave: the ' +
      'jittered retries still land in waves, the kernel queues their connections, and the server ' +
      'accepts and answers what is queued in one turn of its event loop (longest event-loop delay in ' +
      `the storm — ${parts.join('; ')}), at about half a millisecond per returning link. The probe runs ` +
      'in its own process at raised priority, so the load processes’ CPU is not what it waits for. ' +
      'What would fix it is admission control in the server: past a budget of links per turn, answer ' +
      '`bye` with `retryMs` (docs/protocol.md) so that logins and resumes already under way finish first.'
    );
  },
};
