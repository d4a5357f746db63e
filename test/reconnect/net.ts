// The reconnection suites' world: a real server with short heartbeat and grace, engines that reach
// it through their own fault proxy (so a fault hits one client), and the others directly.

import { backoffPolicy, type EngineOptions } from '@atrium/sdk';
import type { RoomServer, RoomServerOptions } from '@atrium/server';
import { FaultProxy } from '../support/fault-proxy.js';
import type { Recorder, RoomEventName } from '../support/recorder.js';
import { type Client, token, World } from '../support/world.js';

/** Short, but twice this stays well above an event-loop stall of a loaded 2-core machine. */
export const HB_MS = 300;
export const GRACE_MS = 1500;

/** The default backoff shape, faster: the suites test recovery, not the backoff's patience. */
export const quickRetry = backoffPolicy({ minMs: 50, maxMs: 400 });

export interface ProxiedClient extends Client {
  proxy: FaultProxy;
}

export class Net {
  readonly world = new World();
  private readonly proxies: FaultProxy[] = [];

  server(options: Partial<RoomServerOptions> = {}): Promise<RoomServer> {
    return this.world.server({ heartbeatIntervalMs: HB_MS, sessionGraceMs: GRACE_MS, ...options });
  }

  /** An engine whose every link goes through a fresh fault proxy of its own. */
  async proxied(server: RoomServer, options: EngineOptions = {}): Promise<ProxiedClient> {
    const proxy = await FaultProxy.start(server.wsUrl);
    this.proxies.push(proxy);
    const client = this.world.client(proxy.wsUrl, { retryPolicy: quickRetry, ...options });
    return { ...client, proxy };
  }

  /** An engine straight to the server. */
  direct(server: RoomServer, options: EngineOptions = {}): Client {
    return this.world.client(server, { retryPolicy: quickRetry, ...options });
  }

  /** The usual pair: a server, ann through her own proxy (with `annOptions`) and bob straight to it, both in r1. */
  async annAndBob(
    annOptions: EngineOptions = {},
  ): Promise<{ server: RoomServer; ann: ProxiedClient; bob: Client }> {
    const server = await this.server();
    const ann = await this.proxied(server, annOptions);
    await enter(ann, 'ann');
    const bob = this.direct(server);
    await enter(bob, 'bob');
    return { server, ann, bob };
  }

  async close(): Promise<void> {
    await this.world.close();
    await Promise.all(this.proxies.map((p) => p.close()));
  }
}

/** Logs `client` in to each room as `userID`, with user updates. */
export async function enter(client: Client, userID: string, rooms: string[] = ['r1']): Promise<void> {
  if (rooms.length > 1) client.engine.enableMultiRoom(true);
  for (const room of rooms) {
    await client.engine.loginRoom(room, token(userID), { userID, userName: userID }, { userUpdate: true });
  }
}

/** The `roomStateChanged` events of a room since `from`, as `REASON:code`. */
export function statesSince(rec: Recorder, roomID: string, from: number): string[] {
  return rec.all
    .slice(from)
    .filter((r) => r.event === 'roomStateChanged' && r.args[0] === roomID)
    .map((r) => `${r.args[1]}:${r.args[2]}`);
}

/** User and stream updates since `from`: what a member would show of others coming and going. */
export function membershipSince(rec: Recorder, from: number): unknown[][] {
  return rec.all
    .slice(from)
    .filter((r) => r.event === 'roomUserUpdate' || r.event === 'roomStreamUpdate')
    .map((r) => r.args);
}

/** Broadcast texts a recorder received in a room, in order. */
export function received(rec: Recorder, roomID = 'r1'): string[] {
  return rec
    .of('IMRecvBroadcastMessage', roomID)
    .flatMap((args) => (args[1] as { message: string }[]).map((m) => m.message));
}

/**
 * Waits until `check` holds, re-checking whenever one of the recorders sees `event` (and at least
 * every 500 ms, for conditions no event announces).
 */
export async function until(
  recs: Recorder[],
  check: () => boolean,
  what: () => string,
  { event = 'roomStateChanged' as RoomEventName, timeoutMs = 10_000 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out waiting until ${what()}`);
    const marks = recs.map((r) => r.mark());
    const waitMs = Math.min(left, 500);
    await Promise.race(
      recs.map((r, i) =>
        r.waitFor(event, () => true, { from: marks[i] ?? 0, timeoutMs: waitMs }).catch(() => {}),
      ),
    );
  }
}

/** For asserting silence (no event, no connection attempt): the one place a wait is the test. */
export function quietFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
