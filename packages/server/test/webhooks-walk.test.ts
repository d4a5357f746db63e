// Many short-lived rooms must not cost other rooms their webhook events. One user walks through
// 60 rooms one after another (login, logout: room_create, room_login, room_logout, room_close
// each) while the receiver is down and the queue holds 60 events; 20 other rooms, opened before
// and during the walk, stay open. Once the receiver is back, every one of their events arrives.

import { describe, expect, it } from 'vitest';
import type { RoomServer, WebhookOptions } from '../src/index.js';
import type { WebhookReceiver } from './admin-helpers.js';
import { heldReceiver, useWebhookRig } from './webhook-helpers.js';

const { h, receivers, redisBackend } = useWebhookRig();

const VICTIMS = 20;
const JUNK_ROOMS = 60;
const webhook: Partial<WebhookOptions> = {
  secret: 's',
  maxQueued: 60,
  maxQueuedPerRoom: 40,
  maxConcurrent: 2,
  // The receiver holds its answers until it is "back": no attempt may time out meanwhile.
  timeoutMs: 60_000,
};

/** The walker logs in 60 times as fast as it can on one link: beyond the default login rate. */
const WALKER_RATES = { rateLoginsPerSec: 1000, rateLoginsBurst: 1000 };

async function walk(s: RoomServer, receiver: WebhookReceiver, back: () => void): Promise<void> {
  const walker = await h.client(s);
  const victims = await Promise.all(Array.from({ length: VICTIMS }, () => h.client(s)));
  // Half the victims' rooms open before the walk, half during it.
  for (let i = 0; i < VICTIMS / 2; i++) await victims[i]?.joined(`victim-${i}`, `v${i}`);
  for (let j = 0; j < JUNK_ROOMS; j++) {
    await walker.joined(`junk${j}`, 'walker');
    await walker.request({ t: 'logout', room: `junk${j}` });
    const i = VICTIMS / 2 + Math.floor(j / 6);
    if (j % 6 === 5 && i < VICTIMS) await victims[i]?.joined(`victim-${i}`, `v${i}`);
  }
  back();
  const arrived = (i: number) => receiver.events(`victim-${i}`).join() === 'room_create,room_login';
  await receiver.until(() => victims.every((_c, i) => arrived(i)), 15_000).catch(() => undefined);
  for (let i = 0; i < VICTIMS; i++) {
    expect(receiver.events(`victim-${i}`), `victim-${i}`).toEqual(['room_create', 'room_login']);
  }
}

describe('a user walking through many rooms while the receiver is down', () => {
  it('in memory: the closed rooms’ events go first; no open room loses one', async () => {
    // The receiver is down: it answers nothing until `back()`.
    const { receiver, open: back } = await heldReceiver(receivers);
    const s = await h.server({
      ...WALKER_RATES,
      webhook: { url: receiver.url, ...webhook } as WebhookOptions,
    });
    await walk(s, receiver, back);
  }, 60_000);

  it('on Redis: each room’s queue is its own; no open room loses an event', async () => {
    const { receiver, open: back } = await heldReceiver(receivers);
    const backend = redisBackend({
      keyPrefix: `walk${Date.now()}`,
      webhookQueueMax: 40,
      webhookMaxRooms: 2,
      leaseTtlMs: 900,
    });
    const s = await h.server({
      ...WALKER_RATES,
      backend,
      webhook: { url: receiver.url, ...webhook } as WebhookOptions,
    });
    await walk(s, receiver, back);
  }, 60_000);
});
