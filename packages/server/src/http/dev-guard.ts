// Development mode's endpoints mint tokens and run admin actions unsigned, so they answer only
// the page this server serves, on this machine:
// - the Host must be loopback (unless development mode is exposed on purpose): a page on another
//   site whose name was re-pointed at 127.0.0.1 (DNS rebinding) is then still refused;
// - /dev/admin takes JSON only. A cross-site form can post url-encoded, multipart or text/plain
//   bodies without asking; `application/json` needs a CORS preflight, which this server never
//   grants — so a page on another origin cannot send one;
// - and when the browser says where the request comes from (Origin, Sec-Fetch-Site), that must be
//   this server's own origin.

import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from '../config/safety.js';
import { type HttpHandler, sendJson } from './router.js';

export interface DevGuardOptions {
  /** Development mode is served beyond loopback (`devExpose`): any Host is fine. */
  exposed: boolean;
  /** The request must carry a JSON body (POST /dev/admin). */
  jsonBody: boolean;
}

/** The host name of a Host header, without its port. */
function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** Why the request is refused, or undefined when it may go on. */
export function devRefusal(req: IncomingMessage, o: DevGuardOptions): string | undefined {
  const host = req.headers.host ?? '';
  if (!o.exposed && !isLoopbackHost(hostName(host))) return 'Host is not loopback';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site is ${site}`;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || originHost !== host) return 'Origin is not this server';
  }
  if (o.jsonBody) {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') return 'the body must be application/json';
  }
  return undefined;
}

/** `handler`, behind the checks above: a refusal is a 403 saying why. */
export function guardDev(handler: HttpHandler, o: DevGuardOptions): HttpHandler {
  return (req, res, url) => {
    const refusal = devRefusal(req, o);
    if (refusal !== undefined) {
      // Drain what was sent so the connection stays usable, then say no.
      req.resume();
      return sendJson(res, 403, { error: `development endpoint refused: ${refusal}` });
    }
    return handler(req, res, url);
  };
}
