// The app's side of the compatibility suite, in Node: a real Atrium server, and the business
// backend a ZEGO app has beside it (Token04 tokens, a kick through the server API).

import type { RoomServer } from '@atrium/server';
import { adminOk } from '../../packages/server/test/admin-helpers.js';
import { APP_ID, token, World } from '../support/world.js';

export { APP_ID };

export interface Backend {
  server: RoomServer;
  token(userID: string, canPublish?: boolean): Promise<string>;
  kick(roomID: string, userID: string, reason: string): Promise<void>;
  close(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  const world = new World();
  const server = await world.server();
  return {
    server,
    token: async (userID, canPublish = true) =>
      canPublish ? token(userID) : token(userID, { publish: false }),
    kick: async (roomID, userID, reason) => {
      await adminOk(server, 'KickoutUser', { RoomId: roomID, UserId: [userID], CustomReason: reason });
    },
    close: () => world.close(),
  };
}
