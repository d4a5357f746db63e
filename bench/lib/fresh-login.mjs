// One fresh login straight to a server (not through the proxy), timed: the server's
// responsiveness while it is busy with something else (a reconnect storm). Atrium: the full
// Token04 login over its wire protocol; peers: connect + join with an ack, over theirs.

import { generateToken04 } from '../../packages/token/dist/index.js';
import { MEMBER_KINDS, Tally, timedLogin } from '../clients/members.mjs';
import { APP_ID, SERVER_SECRET, TOKEN_TTL_SEC } from './common.mjs';

const KIND = { atrium: 'atrium-lean', ws: 'ws', 'ws-cork': 'ws', socketio: 'socketio-lean' };

/** Logs a new user in to `room` of `system` at `url`; returns the latency in ms (or NaN), then leaves. */
export async function timeFreshLogin(system, url, userID, room, timeoutMs = 10_000) {
  const Member = MEMBER_KINDS[KIND[system]];
  const token = system === 'atrium' ? generateToken04(APP_ID, userID, SERVER_SECRET, TOKEN_TTL_SEC) : '';
  // Atrium's SDK says a first link is a fresh login (`?intent=login`); the lean client says so too,
  // or a server shedding the storm would turn it away with the returning members.
  const target = system === 'atrium' ? `${url}?intent=login` : url;
  const member = new Member(
    { url: target, localAddress: '127.0.0.250', tally: new Tally(), reconnect: false },
    { userID, room, token },
  );
  const ms = await timedLogin(member, timeoutMs);
  member.close();
  return ms instanceof Error ? Number.NaN : ms;
}
