// Development mode's endpoints mint tokens and run admin actions unsigned, so they answer only
// the page this server serves, on this machine:
// - the Host must be a loopback name or address, or a name the operator listed
//   (`devAllowedHosts`): a page on another site whose name was re-pointed at this server (DNS
//   rebinding) is then still refused. Exposed on purpose (`devExpose`), an IP address is fine
//   too — rebinding needs a domain name — but still no name nobody listed;
// - /dev/admin takes JSON only. A cross-site form can post url-encoded, multipart or text/plain
//   bodies without asking; `application/json` needs a CORS preflight, which this server never
//   grants — so a page on another origin cannot send one;
// - and when the browser says where the request comes from (Origin, Sec-Fetch-Site), that must be
//   this server's own origin.

import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { isLoopbackHost } from '../config/safety.js';
import { type HttpHandler, sendJson } from './router.js';

export interface DevGuardOptions {
  /** Development mode is served beyond loopback (`devExpose`): an IP-address Host is fine. */
  exposed: boolean;
  /** Host names (lower case, no port) answered besides loopback ones (`devAllowedHosts`). */
  allowedHosts: readonly string[];
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
  const name = hostName(host).toLowerCase();
  const ipAddress = isIP(name.replace(/^\[(.*)\]$/, '$1')) !== 0;
  if (!isLoopbackHost(name) && !o.allowedHosts.includes(name) && !(o.exposed && ipAddress)) {
    return o.exposed
      ? 'Host is neither loopback, an IP address nor in devAllowedHosts'
      : 'Host is not loopback nor in devAllowedHosts';
  }
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
