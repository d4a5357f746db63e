// The HTTP listener's side of the limits: requests whose headers or body trickle in are cut in
// seconds; connections from one address, and connections in all, are capped when they are
// accepted (before a byte is read), so a flood of sockets cannot take every file descriptor; a
// WebSocket upgrade beyond the link cap is answered 503. docs/operations.md, "Limits".

import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ResolvedLimits } from './options.js';
import type { Refusals } from './refusals.js';

/** How often Node looks for requests past their deadlines (its default is 30 s). */
const CHECK_EVERY_MS = 1000;

export interface LinkAdmission {
  /** Makes room for one more link (closing the oldest link without a session if need be); false if full. */
  admitLink(): boolean;
}

export interface HttpGuard {
  /** For the 'upgrade' event: false when the link was refused (and answered). */
  admitUpgrade(req: IncomingMessage, socket: Duplex): boolean;
  /** For the 'clientError' event. */
  clientError(error: Error & { code?: string }, socket: Duplex): void;
}

/** Connections accepted beyond maxLinks, for HTTP requests and upgrades still to be decided. */
export function socketCapOf(maxLinks: number): number {
  return maxLinks + Math.max(32, Math.floor(maxLinks / 20));
}

/**
 * Whom a connection counts against: its IPv4 address (`::ffff:127.0.0.2` is `127.0.0.2`), or the
 * /64 of its IPv6 address — one host commonly holds a whole /64, so one address each would cap
 * nothing.
 */
export function addressKey(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('%')[0]?.split('::') ?? [''];
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

function addressOf(socket: { remoteAddress?: string | undefined }): string {
  return addressKey(socket.remoteAddress ?? '');
}

/** A status line and nothing else, then the socket is closed. */
function refuse(socket: Duplex, status: string, retryAfterSec: number): void {
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status}\r\nconnection: close\r\nretry-after: ${retryAfterSec}\r\ncontent-length: 0\r\n\r\n`,
    );
  }
  // Whatever the peer does next (read or not), the descriptor is back within a second.
  setTimeout(() => socket.destroy(), 1000).unref();
}

export function guardHttpServer(
  http: Server,
  limits: ResolvedLimits,
  refusals: Refusals,
  links: LinkAdmission,
): HttpGuard {
  const requestTimeout = limits.httpRequestTimeoutMs;
  http.requestTimeout = requestTimeout;
  http.headersTimeout = Math.min(limits.httpHeadersTimeoutMs, requestTimeout);
  // Read when the server starts listening; the deadlines above are only as good as this.
  (http as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = CHECK_EVERY_MS;

  const perAddress = new Map<string, number>();
  const socketCap = socketCapOf(limits.maxLinks);
  let open = 0;
  http.on('connection', (socket: Socket) => {
    const address = addressOf(socket);
    const fromAddress = perAddress.get(address) ?? 0;
    if (fromAddress >= limits.maxLinksPerIp) {
      refusals.note('links_per_ip', { ip: address });
      socket.pause();
      return refuse(socket, '429 Too Many Requests', 5);
    }
    if (open >= socketCap) {
      refusals.note('links', { ip: address, open });
      socket.pause();
      return refuse(socket, '503 Service Unavailable', 1);
    }
    open++;
    perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      open--;
      const n = (perAddress.get(address) ?? 1) - 1;
      if (n <= 0) perAddress.delete(address);
      else perAddress.set(address, n);
    });
  });

  return {
    admitUpgrade(_req, socket) {
      if (links.admitLink()) return true;
      refusals.note('links', { ip: addressOf(socket as Socket) });
      refuse(socket, '503 Service Unavailable', 1);
      return false;
    },
    clientError(error, socket) {
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        refusals.note('http_timeout', { ip: addressOf(socket as Socket) });
        socket.pause();
        return refuse(socket, '408 Request Timeout', 1);
      }
      socket.destroy();
    },
  };
}
