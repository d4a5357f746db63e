// What the page needs from the server it came from: the WebSocket URL, and in development
// mode the `/dev/token` endpoint that hands out tokens.

import { WS_PATH } from '@atrium/protocol';

export interface DevToken {
  appID: number;
  token: string;
}

/** `ws(s)://<this page's host>/ws`: the server that served the page also speaks WebSocket. */
export function pageWsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_PATH}`;
}

/** The HTTP origin of the server behind a WebSocket URL: '' when it is this page's own. */
export function httpBase(wsUrl: string): string {
  try {
    const url = new URL(wsUrl);
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
    return url.origin === location.origin ? '' : url.origin;
  } catch {
    return '';
  }
}

/** A token from the development endpoint, or null when the server has none (not in development mode). */
export async function fetchDevToken(base: string, userID: string, roomID: string): Promise<DevToken | null> {
  const query = new URLSearchParams({ userID, roomID });
  const res = await fetch(`${base}/dev/token?${query}`);
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`/dev/token answered ${res.status}: ${await res.text()}`);
  const body: unknown = await res.json();
  if (
    typeof body === 'object' &&
    body !== null &&
    'appID' in body &&
    'token' in body &&
    typeof body.appID === 'number' &&
    typeof body.token === 'string'
  ) {
    return { appID: body.appID, token: body.token };
  }
  throw new Error('/dev/token answered without { appID, token }');
}
