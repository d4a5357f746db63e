import { encodeToken04 } from '@atrium/token';
import { APP_ID, SECRET } from './world.js';

/** A token that expired a minute ago: the generator refuses to make one, so encode it directly. */
export function expiredToken(userID: string): string {
  const now = Math.floor(Date.now() / 1000);
  return encodeToken04(
    { appID: APP_ID, userID, nonce: 1, ctime: now - 3600, expire: now - 60, payload: '' },
    SECRET,
    { mode: 'gcm', iv: new Uint8Array(12).fill(7) },
  );
}
