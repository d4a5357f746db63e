// A test world: real servers on port 0, real engines over loopback, tokens from the real
// generator, and one `close()` that tears everything down.

import { RoomEngine } from '@atrium/sdk';
import { createRoomServer, type RoomServer, type RoomServerOptions } from '@atrium/server';
import { generateToken04, makePrivilegePayload } from '@atrium/token';
import { Recorder } from './recorder.js';

export const APP_ID = 1234567890;
export const SECRET = 'fa94dd0f974cf2e293728a526b028271';

export interface Client {
  engine: RoomEngine;
  rec: Recorder;
}

export class World {
  readonly servers: RoomServer[] = [];
  private engines: RoomEngine[] = [];

  async server(options: Partial<RoomServerOptions> = {}): Promise<RoomServer> {
    const server = await createRoomServer({
      apps: [{ appID: APP_ID, serverSecret: SECRET }],
      port: 0,
      logLevel: 'silent',
      ...options,
    });
    this.servers.push(server);
    return server;
  }

  client(
    server: Pick<RoomServer, 'wsUrl'> | string | string[],
    options: ConstructorParameters<typeof RoomEngine>[2] = {},
  ): Client {
    const url = typeof server === 'string' || Array.isArray(server) ? server : server.wsUrl;
    const engine = new RoomEngine(APP_ID, url, { logLevel: 'silent', ...options });
    this.engines.push(engine);
    return { engine, rec: new Recorder(engine) };
  }

  async close(): Promise<void> {
    for (const e of this.engines) e.destroy();
    await Promise.all(this.servers.map((s) => s.close()));
  }
}

export function token(
  userID: string,
  opts: { ttlSec?: number; roomID?: string; publish?: boolean; streams?: string[] } = {},
) {
  const payload =
    opts.roomID !== undefined || opts.publish !== undefined || opts.streams !== undefined
      ? makePrivilegePayload({
          roomID: opts.roomID ?? '',
          canLogin: true,
          canPublish: opts.publish ?? true,
          streamIDs: opts.streams ?? null,
        })
      : '';
  return generateToken04(APP_ID, userID, SECRET, opts.ttlSec ?? 3600, payload);
}

/** Logs a fresh client in to a room with user updates on, and returns it. */
export async function joined(
  world: World,
  server: Pick<RoomServer, 'wsUrl'>,
  roomID: string,
  userID: string,
): Promise<Client> {
  const c = world.client(server);
  await c.engine.loginRoom(
    roomID,
    token(userID),
    { userID, userName: `name-${userID}` },
    { userUpdate: true },
  );
  return c;
}
