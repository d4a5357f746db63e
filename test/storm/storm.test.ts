// A reconnect storm, small enough for every test run: a few hundred members lose their links at
// once through a fault proxy and come back together, with admission control forced on (a tiny
// budget of waiting links) and a grace period shorter than the storm. Every member must be back
// with its session resumed (recovered: true, so the grace period was stretched for those kept
// out), none lost or doubled, and a fresh login straight to the server must get in promptly
// (bench/storm.mjs measures the full-size storms).

import { backoffPolicy } from '@atrium/sdk';
import { MemoryBackend, type RoomServer } from '@atrium/server';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from '../support/fault-proxy.js';
import { type Client, token, World } from '../support/world.js';

const MEMBERS = 300;
const GRACE_MS = 3000;

/**
 * The in-memory backend with history reads a little slow, as a backend on the network would be:
 * each resume then waits for its answer long enough for others to arrive meanwhile, so the tiny
 * budget of waiting links keeps some out (in line at the door, or told to come back) in every run.
 */
class SlowHistory extends MemoryBackend {
  override async history(
    ...args: Parameters<MemoryBackend['history']>
  ): ReturnType<MemoryBackend['history']> {
    await new Promise((resolve) => setTimeout(resolve, 10));
    return super.history(...args);
  }
}

let world: World | undefined;
let proxy: FaultProxy | undefined;
let backend: SlowHistory | undefined;

afterEach(async () => {
  await world?.close();
  await proxy?.close();
  await backend?.close();
  world = undefined;
  proxy = undefined;
  backend = undefined;
});

async function metric(server: RoomServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

function recoveredOf(client: Client): boolean | undefined {
  const back = client.rec.of('roomStateChanged', 'storm').find((a) => a[1] === 'RECONNECTED');
  return back === undefined ? undefined : (JSON.parse(back[3] as string) as { recovered: boolean }).recovered;
}

describe('a reconnect storm under admission control', () => {
  it(`${MEMBERS} members come back resumed, nothing lost, and a fresh login gets in meanwhile`, async () => {
    world = new World();
    backend = new SlowHistory();
    const server = await world.server({
      heartbeatIntervalMs: 1000,
      sessionGraceMs: GRACE_MS,
      admissionMaxPendingLinks: 4,
      backend,
    });
    proxy = await FaultProxy.start(server.wsUrl);
    // The SDK's own full-jitter backoff, faster: the test is about the server's admission.
    const retryPolicy = backoffPolicy({ minMs: 50, maxMs: 400 });
    const members: Client[] = [];
    for (let i = 0; i < MEMBERS; i += 50) {
      const batch = Array.from({ length: Math.min(50, MEMBERS - i) }, (_, j) => {
        const client = world?.client(proxy?.wsUrl ?? '', { retryPolicy, reconnectWindowMs: 60_000 });
        if (client === undefined) throw new Error('no world');
        members.push(client);
        const userID = `m${i + j}`;
        return client.engine.loginRoom('storm', token(userID), { userID });
      });
      await Promise.all(batch);
    }
    const watcher = world.client(server);
    await watcher.engine.loginRoom('storm', token('watcher'), { userID: 'watcher' }, { userUpdate: true });

    const calm = watcher.rec.mark();
    // Members kept out by admission: made to wait in line at the door, or told to come back later.
    const keptOut = async () =>
      (await metric(server, 'atrium_admission_queued_total')) +
      (await metric(server, 'atrium_admission_shed_total'));
    const keptOutBefore = await keptOut();
    proxy.down();
    await Promise.all(members.map((m) => m.rec.waitForState('storm', 'RECONNECTING')));
    // Down for most of the grace period: the members kept out by admission are back only after
    // it ran out, and would have lost their sessions without the stretch.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS - 300));
    proxy.heal();
    const fresh = world.client(server);
    const startedAt = Date.now();
    await fresh.engine.loginRoom('storm', token('newcomer'), { userID: 'newcomer' });
    const freshLoginMs = Date.now() - startedAt;

    await Promise.all(members.map((m) => m.rec.waitForState('storm', 'RECONNECTED', { timeoutMs: 45_000 })));
    expect(members.map(recoveredOf).filter((r) => r !== true)).toEqual([]);
    expect(await keptOut()).toBeGreaterThan(keptOutBefore);
    // Loose for a loaded 2-core machine; bench/storm.mjs records the real figure.
    expect(freshLoginMs).toBeLessThan(2000);
    // Nobody left and came back: the watcher saw only the newcomer join.
    const seen = watcher.rec.all
      .slice(calm)
      .filter((r) => r.event === 'roomUserUpdate')
      .map((r) => `${r.args[1]}:${(r.args[2] as { userID: string }[]).map((u) => u.userID).join(',')}`);
    expect(seen).toEqual(['ADD:newcomer']);
    // Every member gets one broadcast sent after the storm exactly once.
    await fresh.engine.sendBroadcastMessage('storm', 'after');
    await Promise.all(
      members.map((m) =>
        m.rec.waitFor(
          'IMRecvBroadcastMessage',
          (a) => (a[1] as { message: string }[])[0]?.message === 'after',
        ),
      ),
    );
    for (const m of members) expect(m.rec.of('IMRecvBroadcastMessage', 'storm')).toHaveLength(1);
  });
});
