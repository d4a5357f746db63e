// Randomised chaos: several engines in one room, each behind its own fault proxy, broadcast and
// send commands while their links are reset, blackholed, cut for a while (some beyond the grace
// period) or slowed; then the network heals and the room goes quiet. Afterwards: every reliable
// message reached every member that stayed exactly once and in order, every room's state sequence
// is valid per the contract's state machine (docs/contract.md), and the server keeps no member
// whose session is gone.
//
// The seed is printed; CHAOS_SEED=<seed> replays the same script (the interleaving on a real
// network differs from run to run, which is the point of running it often).

import type { MessageResponse, ServerResponse } from '@atrium/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { Recorder } from '../support/recorder.js';
import type { Client } from '../support/world.js';
import { type Fault, planChaos, type Step } from './chaos-plan.js';
import { enter, GRACE_MS, Net, type ProxiedClient, until } from './net.js';
import { leftTheRoom, type StateChange, stateViolations, wasRebuilt } from './states.js';

const SEED = process.env.CHAOS_SEED !== undefined ? Number(process.env.CHAOS_SEED) : Date.now() % 2 ** 31;
const ROOM = 'chaos';
const PROXIED = 4;
const DURATION_MS = 6000;
const IN_ROOM = new Set(['LOGINED', 'RECONNECTED']);

let net: Net;
afterEach(async () => net?.close());

interface Member extends Client {
  name: string;
  proxy?: ProxiedClient['proxy'];
}

interface Sent {
  from: string;
  text: string;
  /** Commands: the addressees. */
  to?: string[];
  result?: ServerResponse | MessageResponse;
}

interface Got {
  from: string;
  text: string;
  messageID?: number;
}

const changesOf = (rec: Recorder): StateChange[] =>
  rec
    .of('roomStateChanged', ROOM)
    .map((a) => ({ reason: String(a[1]), code: Number(a[2]), ext: String(a[3]) }));

function broadcastsOf(rec: Recorder): Got[] {
  return rec.of('IMRecvBroadcastMessage', ROOM).flatMap((a) =>
    (a[1] as { fromUser: { userID: string }; message: string; messageID: number }[]).map((m) => ({
      from: m.fromUser.userID,
      text: m.message,
      messageID: m.messageID,
    })),
  );
}

function commandsOf(rec: Recorder): Got[] {
  return rec
    .of('IMRecvCustomCommand', ROOM)
    .map((a) => ({ from: (a[1] as { userID: string }).userID, text: String(a[2]) }));
}

function applyFault(m: Member, fault: Fault, heals: ReturnType<typeof setTimeout>[]): void {
  const proxy = m.proxy;
  if (proxy === undefined) return; // the observer's link is never faulted
  if (fault.kind === 'reset') {
    proxy.reset();
    return;
  }
  if (fault.kind === 'blackhole') proxy.blackhole();
  else if (fault.kind === 'down') proxy.down();
  else proxy.delay(fault.delayMs);
  heals.push(setTimeout(() => proxy.heal(), fault.forMs));
}

/** Plays the script in real time (the chaos is in the timing, so here time must pass). */
async function play(members: Member[], steps: Step[], sent: Sent[], pending: Promise<unknown>[]) {
  const heals: ReturnType<typeof setTimeout>[] = [];
  const start = Date.now();
  for (const [n, step] of steps.entries()) {
    const wait = start + step.at - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const m = members[step.client];
    if (m === undefined) continue;
    if (step.kind === 'fault') {
      applyFault(m, step.fault, heals);
      continue;
    }
    const record: Sent = { from: m.name, text: `${step.kind}:${m.name}#${n}` };
    sent.push(record);
    if (step.kind === 'bcast') {
      pending.push(m.engine.sendBroadcastMessage(ROOM, record.text).then(keep(record), failed(record)));
    } else {
      record.to = step.to.flatMap((i) => members[i]?.name ?? []);
      pending.push(
        m.engine.sendCustomCommand(ROOM, record.text, record.to).then(keep(record), failed(record)),
      );
    }
  }
  for (const h of heals) clearTimeout(h);
  for (const m of members) m.proxy?.heal();
}

/** The send's outcome: its result, or (the SDK rejects failures, as ZEGO's does) its error's code. */
const keep = (record: Sent) => (result: ServerResponse | MessageResponse) => {
  record.result = result;
};
const failed = (record: Sent) => (error: unknown) => {
  const code = (error as { errorCode?: unknown } | null)?.errorCode;
  record.result = { errorCode: typeof code === 'number' ? code : -1 };
};

/** What every member that stayed must have received from the others, exactly once and in order. */
function checkDelivery(members: Member[], sent: Sent[]): string[] {
  const problems: string[] = [];
  for (const r of members) {
    const stayed = !wasRebuilt(changesOf(r.rec)) && !leftTheRoom(changesOf(r.rec));
    const got = broadcastsOf(r.rec);
    const ids = got.map((g) => g.messageID ?? -1);
    if (ids.some((id, i) => i > 0 && id <= (ids[i - 1] ?? -1)))
      problems.push(`${r.name}: broadcasts out of order or repeated: ${ids}`);
    if (got.some((g) => g.from === r.name)) problems.push(`${r.name}: got its own broadcast`);
    const cmds = commandsOf(r.rec).map((g) => g.text);
    if (new Set(cmds).size !== cmds.length) problems.push(`${r.name}: a command came twice`);
    for (const s of sent) {
      if (s.from === r.name) continue;
      const isCmd = s.to !== undefined;
      const count = (isCmd ? cmds : got.map((g) => g.text)).filter((t) => t === s.text).length;
      const addressed = !isCmd || (s.to ?? []).includes(r.name);
      if (!addressed && count > 0) problems.push(`${r.name}: got ${s.text}, not addressed to it`);
      if (stayed && addressed && s.result?.errorCode === 0 && count !== 1) {
        problems.push(`${r.name} (stayed): got ${s.text} ${count} times`);
      }
      if (count > 1) problems.push(`${r.name}: got ${s.text} ${count} times`);
    }
    // A sender's messages keep its order: server order is send order.
    for (const s of members) {
      const mine = sent.filter((x) => x.from === s.name && x.to === undefined).map((x) => x.text);
      const seen = got
        .filter((g) => g.from === s.name && mine.includes(g.text))
        .map((g) => mine.indexOf(g.text));
      if (seen.some((v, i) => i > 0 && v <= (seen[i - 1] ?? -1)))
        problems.push(`${r.name}: ${s.name}'s messages out of order`);
    }
  }
  return problems;
}

describe('the state validator', () => {
  const c = (reason: string, code = 0, ext = ''): StateChange => ({ reason, code, ext });
  const login = [c('LOGINING'), c('LOGINED')];
  it('accepts the machine’s paths', () => {
    const back = [c('RECONNECTING', 1002051), c('RECONNECTED', 0, '{"recovered":true}')];
    expect(stateViolations([...login, ...back, ...back, c('LOGOUT'), ...login])).toEqual([]);
    expect(stateViolations([...login, c('RECONNECTING', 1002051), c('KICKOUT', 1002050)])).toEqual([]);
    expect(stateViolations([...login, c('RECONNECTING', 1002051), c('RECONNECT_FAILED', 1002053)])).toEqual(
      [],
    );
  });
  it('flags RECONNECTED without RECONNECTING, anything after a final state, and wrong codes', () => {
    expect(stateViolations([...login, c('RECONNECTED', 0, '{"recovered":true}')])).toHaveLength(1);
    expect(stateViolations([...login, c('KICKOUT', 1002050), c('RECONNECTING', 1002051)])).toHaveLength(1);
    expect(stateViolations([...login, c('RECONNECTING', 0)])).toHaveLength(1);
    expect(stateViolations([...login, c('RECONNECTING', 1002051), c('RECONNECTED', 0, '')])).toHaveLength(1);
    expect(stateViolations([...login, c('KICKOUT', 1002053)])).toHaveLength(1);
  });
});

describe('chaos', () => {
  it(`seed ${SEED}: exactly once, in order, valid states, no lingering member`, async () => {
    console.info(
      `chaos seed ${SEED} (replay: CHAOS_SEED=${SEED} npx vitest run test/reconnect/chaos.test.ts)`,
    );
    net = new Net();
    const server = await net.server();
    const members: Member[] = [];
    for (let i = 0; i < PROXIED; i++) {
      // The last one gives up sooner: a long cut can end it in RECONNECT_FAILED, and then the
      // server must drop its session once the grace runs out.
      const reconnectWindowMs = i === PROXIED - 1 ? GRACE_MS + 300 : 8000;
      const c = await net.proxied(server, { reconnectWindowMs });
      members.push({ ...c, name: `c${i}` });
    }
    members.push({ ...net.direct(server), name: 'obs' });
    for (const m of members) await enter(m, m.name, [ROOM]);

    const steps = planChaos(SEED, { clients: members.length, durationMs: DURATION_MS, graceMs: GRACE_MS });
    const sent: Sent[] = [];
    const pending: Promise<unknown>[] = [];
    await play(members, steps, sent, pending);

    // Quiet: every send settles (none may hang), every room settles in or out.
    await Promise.race([
      Promise.all(pending),
      new Promise((_, reject) => setTimeout(() => reject(new Error('a send never settled')), 15_000)),
    ]);
    const settled = () =>
      members.every((m) => !['LOGINING', 'RECONNECTING'].includes(m.engine.getRoomState(ROOM)));
    await until(
      members.map((m) => m.rec),
      settled,
      () => members.map((m) => `${m.name}=${m.engine.getRoomState(ROOM)}`).join(' '),
    );
    // A last message from each member still in: once it is everywhere, so is all before it.
    const live = members.filter((m) => IN_ROOM.has(m.engine.getRoomState(ROOM)));
    for (const m of live) {
      const fin = { from: m.name, text: `fin:${m.name}` } as Sent;
      fin.result = await m.engine.sendBroadcastMessage(ROOM, fin.text);
      sent.push(fin);
    }
    for (const r of live) {
      for (const s of live) {
        if (s === r) continue;
        await r.rec.waitFor('IMRecvBroadcastMessage', (a) =>
          (a[1] as { message: string }[]).some((x) => x.message === `fin:${s.name}`),
        );
      }
    }

    for (const m of members) expect(stateViolations(changesOf(m.rec)), m.name).toEqual([]);
    expect(checkDelivery(members, sent)).toEqual([]);
    expect(sent.every((s) => s.result !== undefined)).toBe(true);

    // The server holds exactly the members still in, once the grace of the others has run out.
    const probe = net.direct(server);
    await enter(probe, 'probe', [ROOM]);
    const expected = live.map((m) => m.name).sort();
    const present = () => usersSeen(probe.rec).join(',');
    await until(
      [probe.rec],
      () => present() === expected.join(','),
      () => `users ${present()} = ${expected}`,
      {
        event: 'roomUserUpdate',
        timeoutMs: GRACE_MS + 5000,
      },
    );

    const faults = steps
      .filter((s) => s.kind === 'fault')
      .map((s) => (s.kind === 'fault' ? s.fault.kind : ''));
    const rebuilt = members.filter((m) => wasRebuilt(changesOf(m.rec))).map((m) => m.name);
    const final = members.map((m) => `${m.name}=${m.engine.getRoomState(ROOM)}`).join(' ');
    console.info(
      `chaos seed ${SEED}: ${sent.length} sends, faults ${faults.join(' ')}, rebuilt [${rebuilt}], final ${final}`,
    );
  }, 40_000);
});

/** The users a member's app has been told are in the room (ADDs minus DELETEs), sorted. */
function usersSeen(rec: Recorder): string[] {
  const users = new Set<string>();
  for (const [, type, list] of rec.of('roomUserUpdate', ROOM)) {
    for (const u of list as { userID: string }[]) {
      if (type === 'ADD') users.add(u.userID);
      else users.delete(u.userID);
    }
  }
  return [...users].sort();
}
