// The HTTP listener's side of the limits: requests whose headers or body trickle in are cut in
// seconds, a connection that sends nothing at all sooner still; connections from one address,
// and connections in all, are capped when they are accepted (before a byte is read), so a flood
// of sockets cannot take every file descriptor. When the cap is full a newcomer does not wait
// behind sockets that have not even sent a request: the oldest of those is closed to make room,
// so silent or half-sent connections cannot keep /healthz and logins out. Refused sockets count
// too, and near the limit they are dropped at once rather than answered. A WebSocket upgrade
// beyond the link cap is answered 503. docs/operations.md, "Limits".

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
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

export interface UpgradeTicket {
  /** The upgrade is answered: from now on the link is the gateway's to close. */
  entered(): void;
}

export interface HttpGuard {
  /**
   * For the 'upgrade' event: undefined when the link was refused (and answered); otherwise the
   * upgrade may be held at the door a while (reconnect storms), and until its `entered` it can
   * be pushed out for a newcomer at the TCP cap, like an idle connection: held upgrades from one
   * address cannot fill the server and keep everyone else out.
   */
  admitUpgrade(req: IncomingMessage, socket: Duplex): UpgradeTicket | undefined;
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

/** A connection with no request under way may be closed for a newcomer once it has been so this long. */
const EVICTABLE_AFTER_MS = 500;

/** How many of the oldest waiting connections a newcomer looks through for one to push out. */
const EVICT_SCAN = 64;

/**
 * Sockets being refused (answered, not yet closed) at most, beyond which they are dropped
 * unanswered: an eighth of the connections allowed above maxLinks, so that refusals held open
 * for their answer cannot take the descriptors the reserve keeps for the process itself.
 */
export function refusingCapOf(maxLinks: number): number {
  return Math.max(4, Math.floor((socketCapOf(maxLinks) - maxLinks) / 8));
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
  const refusingCap = refusingCapOf(limits.maxLinks);
  let open = 0;
  let refusing = 0;
  /**
   * Connections with no request under way (none yet, or idle between two), oldest first: the
   * ones a newcomer may push out when the cap is full. A request being answered, or a link,
   * is not among them.
   */
  const waiting = new Map<Socket, number>();

  /** A status line and nothing else, then the socket is closed; at once when too many are. */
  function refuse(socket: Duplex, status: string, retryAfterSec: number): void {
    if (refusing >= refusingCap || !socket.writable) {
      socket.destroy();
      return;
    }
    refusing++;
    socket.once('close', () => refusing--);
    socket.end(
      `HTTP/1.1 ${status}\r\nconnection: close\r\nretry-after: ${retryAfterSec}\r\ncontent-length: 0\r\n\r\n`,
    );
    // Whatever the peer does next (read or not), the descriptor is back within a second.
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /**
   * Makes room for a newcomer from `address`: closes the oldest connection that has had no
   * request under way for EVICTABLE_AFTER_MS, from an address holding more connections than the
   * newcomer's (so a flood from a few addresses cannot push out each other's sockets, nor the
   * lone client's). False if there is none among the oldest few. Not younger: a burst of
   * connections accepted together would otherwise push out a newcomer before its request was read.
   */
  function evictWaiting(address: string): boolean {
    const now = performance.now();
    const own = perAddress.get(address) ?? 0;
    let looked = 0;
    for (const [socket, sinceMs] of waiting) {
      if (now - sinceMs < EVICTABLE_AFTER_MS || looked++ >= EVICT_SCAN) return false;
      if (socket.destroyed) {
        waiting.delete(socket);
        continue;
      }
      const victim = addressOf(socket);
      if ((perAddress.get(victim) ?? 0) <= own + 1) continue;
      waiting.delete(socket);
      refusals.note('http_evicted', { ip: addressOf(socket) });
      socket.destroy();
      return true;
    }
    return false;
  }

  http.on('connection', (socket: Socket) => {
    const address = addressOf(socket);
    const fromAddress = perAddress.get(address) ?? 0;
    if (fromAddress >= limits.maxLinksPerIp) {
      refusals.note('links_per_ip', { ip: address });
      socket.pause();
      return refuse(socket, '429 Too Many Requests', 5);
    }
    if (open >= socketCap && !evictWaiting(address)) {
      refusals.note('links', { ip: address, open });
      socket.pause();
      return refuse(socket, '503 Service Unavailable', 1);
    }
    open++;
    perAddress.set(address, fromAddress + 1);
    waiting.set(socket, performance.now());
    // A peer that has not sent its first byte by then has nothing to ask.
    const firstByte = setTimeout(() => {
      if (socket.bytesRead > 0 || socket.destroyed) return;
      refusals.note('http_first_byte', { ip: address });
      socket.destroy();
    }, limits.httpFirstByteTimeoutMs);
    firstByte.unref();
    socket.once('close', () => {
      clearTimeout(firstByte);
      waiting.delete(socket);
      open--;
      const n = (perAddress.get(address) ?? 1) - 1;
      if (n <= 0) perAddress.delete(address);
      else perAddress.set(address, n);
    });
  });
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    waiting.delete(socket);
    res.once('close', () => {
      // Idle until its next request: among the youngest again.
      if (!socket.destroyed) waiting.set(socket, performance.now());
    });
  });

  return {
    admitUpgrade(_req, socket) {
      const tcp = socket as Socket;
      if (links.admitLink()) {
        // Evictable from now (it may wait at the door); once entered, a link is the gateway's
        // to close (it evicts its own links without a session).
        waiting.set(tcp, performance.now());
        return { entered: () => waiting.delete(tcp) };
      }
      waiting.delete(tcp);
      refusals.note('links', { ip: addressOf(tcp) });
      refuse(socket, '503 Service Unavailable', 1);
      return undefined;
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
