// The Transport over the `ws` package, attached to the server's HTTP upgrade. Topic fan-out
// converts a frame to bytes once and writes the same buffer to every subscribed link.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
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

const CLOSE_GOING_AWAY = 1001;

class WsLink implements TransportLink {
  readonly topics = new Set<string>();

  constructor(
    readonly socket: WebSocket,
    private readonly owner: WsTransport,
  ) {}

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(data: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(data);
    this.owner.sent(1);
  }

  sendBytes(bytes: Buffer): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(bytes, { binary: false });
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
      const link = new WsLink(ws, this);
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
      events.open(link);
    });
  }

  publish(topic: string, data: string, options: PublishOptions = {}): void {
    const links = this.topics.get(topic);
    if (links === undefined) return;
    const bytes = Buffer.from(data, 'utf8');
    let sent = 0;
    for (const link of links) {
      if (link === options.except) continue;
      if (options.droppable === true && link.bufferedAmount > this.droppableAboveBytes) continue;
      if (link.sendBytes(bytes)) sent++;
    }
    this.onSent(sent);
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
          link.close(CLOSE_GOING_AWAY, 'server closing');
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
