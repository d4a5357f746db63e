// The Transport over the `ws` package, attached to the server's HTTP upgrade. Topic fan-out
// builds the WebSocket frame once and writes the same buffer to every subscribed link, and every
// socket written to is corked until the end of the tick, so a member's frames of one tick (a
// burst of broadcasts, a reply and the events after it) leave in one write instead of one each.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@atrium/protocol';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { PublishOptions, Transport, TransportEvents, TransportLink } from './transport.js';

export interface WsTransportOptions {
  /** A message above this closes the link (ws answers 1009); the hard cap above the protocol's. */
  maxPayloadBytes: number;
  /** Droppable publishes skip links with more unsent bytes than this. */
  droppableAboveBytes?: number;
  /** How long `close()` waits for closing handshakes before dropping links. */
  closeTimeoutMs?: number;
  /** Told how many frames were written (metrics); a fan-out counts each recipient. */
  onSent?: (frames: number) => void;
}

class WsLink implements TransportLink {
  readonly topics = new Set<string>();

  constructor(
    readonly socket: WebSocket,
    /** The TCP socket under `socket`, as the HTTP upgrade handed it over. */
    readonly wire: Duplex,
    private readonly owner: WsTransport,
  ) {}

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(data: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.owner.hold(this.wire);
    this.socket.send(data);
    this.owner.sent(1);
  }

  /** Writes a whole text frame made by `textFrame`, shared by every recipient of a publish. */
  sendFrame(frame: Buffer): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    this.owner.hold(this.wire);
    this.wire.write(frame);
    return true;
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }

  subscribe(topic: string): void {
    if (this.topics.has(topic)) return;
    this.topics.add(topic);
    this.owner.join(topic, this);
  }

  unsubscribe(topic: string): void {
    if (!this.topics.delete(topic)) return;
    this.owner.part(topic, this);
  }
}

/**
 * One unmasked, unfragmented WebSocket text frame (RFC 6455 §5.2), built once per publish. Writing
 * it straight to the socket is what `ws` itself does for a server's frame without compression
 * (disabled here), so frames from both paths interleave whole and in order.
 */
function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN + text
  if (length < 126) frame[1] = length;
  else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, header);
  return frame;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

export class WsTransport implements Transport {
  private readonly server: WebSocketServer;
  private readonly topics = new Map<string, Set<WsLink>>();
  private readonly links = new Set<WsLink>();
  private readonly droppableAboveBytes: number;
  private readonly closeTimeoutMs: number;
  private readonly onSent: (frames: number) => void;
  private events: TransportEvents | undefined;
  private closing = false;
  /** Sockets written to in this tick, corked until `release` so their frames leave in one write. */
  private readonly held = new Set<Duplex>();
  private readonly release = (): void => {
    for (const wire of this.held) wire.uncork();
    this.held.clear();
  };

  constructor(options: WsTransportOptions) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.droppableAboveBytes = options.droppableAboveBytes ?? 1024 * 1024;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 1000;
    this.onSent = options.onSent ?? (() => {});
  }

  listen(events: TransportEvents): void {
    this.events = events;
  }

  /** Hand an HTTP upgrade request for the WebSocket path to this transport. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const events = this.events;
    if (this.closing || events === undefined) {
      socket.destroy();
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => {
      const link = new WsLink(ws, socket, this);
      this.links.add(link);
      ws.on('message', (data) => events.message(link, toBytes(data)));
      ws.on('error', () => {
        // 'close' follows; the error itself (bad framing, too big) needs no more than that.
      });
      ws.on('close', () => {
        this.links.delete(link);
        for (const topic of link.topics) this.part(topic, link);
        link.topics.clear();
        events.close(link);
      });
      events.open(link, { url: request.url ?? '' });
    });
  }

  publish(topic: string, data: string, options: PublishOptions = {}): void {
    const links = this.topics.get(topic);
    if (links === undefined) return;
    const frame = textFrame(Buffer.from(data, 'utf8'));
    let sent = 0;
    for (const link of links) {
      if (link === options.except) continue;
      if (options.droppable === true && link.bufferedAmount > this.droppableAboveBytes) continue;
      if (link.sendFrame(frame)) sent++;
    }
    this.onSent(sent);
  }

  /** @internal used by WsLink: cork `wire` until the end of this tick. */
  hold(wire: Duplex): void {
    if (this.held.has(wire)) return;
    if (this.held.size === 0) setImmediate(this.release);
    wire.cork();
    this.held.add(wire);
  }

  /** @internal used by WsLink */
  sent(frames: number): void {
    this.onSent(frames);
  }

  async close(): Promise<void> {
    this.closing = true;
    const pending = [...this.links].map(
      (link) =>
        new Promise<void>((resolve) => {
          if (link.socket.readyState === WebSocket.CLOSED) return resolve();
          link.socket.once('close', () => resolve());
          link.close(CloseCode.goingAway, 'server closing');
        }),
    );
    const timer = setTimeout(() => {
      for (const link of this.links) link.terminate();
    }, this.closeTimeoutMs);
    await Promise.all(pending);
    clearTimeout(timer);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal used by WsLink */
  join(topic: string, link: WsLink): void {
    let links = this.topics.get(topic);
    if (links === undefined) {
      links = new Set();
      this.topics.set(topic, links);
    }
    links.add(link);
  }

  /** @internal used by WsLink */
  part(topic: string, link: WsLink): void {
    const links = this.topics.get(topic);
    if (links === undefined) return;
    links.delete(link);
    if (links.size === 0) this.topics.delete(topic);
  }
}
