// Development mode only: `GET /dev/token?userID=..&roomID=..` issues a token for the first
// app so the demo page can log in without a business server.

import { checkRoomID, checkUserID, codeMessage } from '@atrium/protocol';
import { generateToken04, makePrivilegePayload } from '@atrium/token';
import type { AppCredentials } from '../options.js';
import { type HttpHandler, sendJson } from './router.js';

const DEV_TOKEN_TTL_SEC = 3600;

export function devTokenHandler(app: AppCredentials): HttpHandler {
  return (_req, res, url) => {
    const userID = url.searchParams.get('userID') ?? '';
    const roomID = url.searchParams.get('roomID');
    const userCode = checkUserID(userID);
    if (userCode !== 0)
      return sendJson(res, 400, { error: `userID: ${codeMessage(userCode)}`, code: userCode });
    if (roomID !== null) {
      const roomCode = checkRoomID(roomID);
      if (roomCode !== 0)
        return sendJson(res, 400, { error: `roomID: ${codeMessage(roomCode)}`, code: roomCode });
    }
    const payload = roomID === null ? '' : makePrivilegePayload({ roomID });
    const token = generateToken04(app.appID, userID, app.serverSecret, DEV_TOKEN_TTL_SEC, payload);
    sendJson(res, 200, { appID: app.appID, token });
  };
}
