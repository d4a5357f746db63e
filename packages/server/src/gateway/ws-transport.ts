// The Transport over the `ws` package, attached to the server's HTTP upgrade. Every frame the
// gateway sends is built here and goes through the link's Outbox (outbox.ts): a tick's frames
// leave in one write, a peer that stops reading is cut as soon as its backlog passes the limit,
// and droppable frames are shed first. Topic fan-out builds the WebSocket frame once and queues
// the same buffer on every subscribed link. Only the socket calls are specific to `ws` here.

import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@atrium/protocol';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { holdUpgrade } from './held-upgrade.js';
import { BacklogTotal, Flusher, Outbox, type OutboxSink, type Queued } from './outbox.js';
import type { LinkRequest, PublishOptions, Transport, TransportEvents, TransportLink } from './transport.js';

export interface WsTransportOptions {
  /** A message above this closes the link (ws answers 1009); the hard cap above the protocol's. */
  maxPayloadBytes: number;
  /** The same before the link has logged in (see `TransportLink.loggedIn`). Default maxPayloadBytes. */
  maxPayloadBeforeLoginBytes?: number;
  /** A link whose unsent bytes would pass this is cut at once. Default 8 MiB. */
  maxBufferedBytes?: number;
  /**
   * Unsent bytes of all links together; past it the links with the biggest backlogs (above
   * droppableAboveBytes) are cut until it is under again. Default 256 MiB.
   */
  totalMaxBufferedBytes?: number;
  /** Droppable publishes skip links with more unsent bytes than this. Default a quarter of maxBufferedBytes, at most 1 MiB. */
  droppableAboveBytes?: number;
  /** How long `close()` waits for closing handshakes before dropping links. */
  closeTimeoutMs?: number;
  /** Told how many frames were written (metrics); a fan-out counts each recipient. */
  onSent?: (frames: number) => void;
  /** A link cut for its backlog ('link_backlog'), or frames shed on slow links ('shed'). */
  onLimit?: (
    limit: 'link_backlog' | 'backlog_total' | 'shed' | 'message_size' | 'login_message',
    count: number,
  ) => void;
}

/** The total of unsent bytes is checked at most this often. */
const TOTAL_CHECK_EVERY_MS = 100;

class WsLink implements TransportLink, OutboxSink {
  readonly topics = new Set<string>();
  readonly outbox: Outbox;
  hasLoggedIn = false;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly socket: WebSocket,
    /** The TCP socket under `socket`, as the HTTP upgrade handed it over. */
    readonly wire: Duplex,
    private readonly owner: WsTransport,
    flusher: Flusher,
    limits: { maxBufferedBytes: number; droppableAboveBytes: number },
    total: BacklogTotal,
  ) {
    this.outbox = new Outbox(this, limits, flusher, total);
    wire.on('drain', () => this.outbox.drained());
  }

  get bufferedAmount(): number {
    return this.outbox.backlog;
  }

  get remoteAddress(): string | undefined {
    return (this.wire as { remoteAddress?: string }).remoteAddress;
  }

  get socketBuffered(): number {
    return this.wire.writableLength;
  }

  write(chunks: readonly Buffer[]): boolean {
    if (chunks.length === 1) return this.wire.write(chunks[0]);
    this.wire.cork();
    let ok = true;
    for (const chunk of chunks) ok = this.wire.write(chunk);
    this.wire.uncork();
    return ok;
  }

  send(data: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.queue(textFrame(Buffer.from(data, 'utf8')), false) === 'queued') this.owner.sent(1);
  }

  /** Queues a whole frame made by `textFrame` (shared by every recipient of a publish). */
  queue(frame: Buffer, droppable: boolean): Queued {
    if (this.socket.readyState !== WebSocket.OPEN) return 'closed';
    const queued = this.outbox.push(frame, droppable);
    if (queued === 'overflow') this.owner.overflowed(this);
    return queued;
  }

  close(code: number, reason: string): void {
    // What was queued goes first, then the close frame; a peer that does not answer it soon is cut.
    this.outbox.flush(true);
    this.outbox.discard();
    this.socket.close(code, reason);
    this.closeTimer ??= setTimeout(() => this.cut(), this.owner.closeTimeoutMs);
  }

  terminate(): void {
    this.outbox.discard();
    if (!this.wire.destroyed) this.wire.destroy();
  }

  /**
   * Its backlog passed the limit: a reset, not a FIN behind megabytes the peer will never read,
   * so the kernel drops what it still held for this peer too. Node's own buffer holds one flush
   * at most (the outbox waits for 'drain'), so failing its writes one by one costs little.
   */
  cut(): void {
    this.outbox.discard();
    if (this.wire.destroyed) return;
    if (this.wire instanceof Socket) this.wire.resetAndDestroy();
    else this.wire.destroy();
  }

  loggedIn(): void {
    this.hasLoggedIn = true;
    setMaxPayload(this.socket, this.owner.maxPayloadBytes);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  ended(): void {
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.outbox.discard();
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
 * One unmasked, unfragmented WebSocket frame (RFC 6455 §5.2), built once per publish. Writing it
 * straight to the socket is what `ws` itself does for a server's frame without compression
 * (disabled here), so frames from both paths interleave whole and in order.
 */
function wsFrame(opcodeWithFin: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = opcodeWithFin;
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

/** A text frame (FIN + opcode 1). */
const textFrame = (payload: Buffer): Buffer => wsFrame(0x81, payload);

/**
 * Sets the message size past which `ws` closes the link (1009). `ws` has no public setting per
 * link, so this is its receiver's own limit, checked on each frame header (fragments of one
 * message add up) before the payload is read; test/abuse/partial-messages.test.ts fails if a
 * `ws` upgrade renames it.
 */
function setMaxPayload(socket: WebSocket, bytes: number): void {
  const receiver = (socket as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver !== undefined && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
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
  private readonly limits: { maxBufferedBytes: number; droppableAboveBytes: number };
  private readonly flusher = new Flusher();
  private readonly total: BacklogTotal;
  /** A check of the total is due (scheduled), and when the last one ran (monotonic ms). */
  private totalCheckDue = false;
  private lastTotalCheckMs = Number.NEGATIVE_INFINITY;
  readonly closeTimeoutMs: number;
  readonly maxPayloadBytes: number;
  private readonly maxPayloadBeforeLoginBytes: number;
  private readonly onSent: (frames: number) => void;
  private readonly onLimit: NonNullable<WsTransportOptions['onLimit']>;
  private events: TransportEvents | undefined;
  private closing = false;

  constructor(options: WsTransportOptions) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
      // Answered below, through the outbox, like every other frame: a peer pinging without
      // reading would otherwise grow the socket's buffer one pong at a time.
      autoPong: false,
    });
    const maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.limits = {
      maxBufferedBytes,
      droppableAboveBytes: options.droppableAboveBytes ?? Math.min(1024 * 1024, maxBufferedBytes / 4),
    };
    this.total = new BacklogTotal(options.totalMaxBufferedBytes ?? 256 * 1024 * 1024, () =>
      this.scheduleTotalCheck(),
    );
    this.closeTimeoutMs = options.closeTimeoutMs ?? 1000;
    this.maxPayloadBytes = options.maxPayloadBytes;
    this.maxPayloadBeforeLoginBytes = Math.min(
      options.maxPayloadBeforeLoginBytes ?? options.maxPayloadBytes,
      options.maxPayloadBytes,
    );
    this.onSent = options.onSent ?? (() => {});
    this.onLimit = options.onLimit ?? (() => {});
  }

  listen(events: TransportEvents): void {
    this.events = events;
  }

  /** Hand an HTTP upgrade request for the WebSocket path to this transport. */
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    ticket: { entered(): void } = { entered: () => {} },
  ): void {
    const events = this.events;
    if (this.closing || events === undefined) {
      socket.destroy();
      return;
    }
    const knock = events.knock;
    if (knock === undefined) {
      ticket.entered();
      this.upgrade(request, socket, head, events);
      return;
    }
    // The same request object comes back in `open`, so the gateway can tell what it decided.
    const linkRequest: LinkRequest = { url: request.url ?? '' };
    knock(
      linkRequest,
      holdUpgrade(socket, head, (held) => {
        ticket.entered();
        if (this.closing) socket.destroy();
        else this.upgrade(request, socket, held, events, linkRequest);
      }),
    );
  }

  private upgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    events: TransportEvents,
    linkRequest: LinkRequest = { url: request.url ?? '' },
  ): void {
    this.server.handleUpgrade(request, socket, head, (ws) => {
      const link = new WsLink(ws, socket, this, this.flusher, this.limits, this.total);
      setMaxPayload(ws, this.maxPayloadBeforeLoginBytes);
      this.links.add(link);
      ws.on('message', (data) => events.message(link, toBytes(data)));
      ws.on('ping', (data) => {
        events.received?.(link, 0, 1);
        link.queue(wsFrame(0x8a, data), false);
      });
      socket.on('data', (chunk: Buffer) => events.received?.(link, chunk.length, 0));
      ws.on('error', (error: Error & { code?: string }) => {
        // 'close' follows; the error itself (bad framing, too big) needs no more than that.
        if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
          this.onLimit(link.hasLoggedIn ? 'message_size' : 'login_message', 1);
      });
      ws.on('close', () => {
        link.ended();
        this.links.delete(link);
        for (const topic of link.topics) this.part(topic, link);
        link.topics.clear();
        events.close(link);
      });
      events.open(link, linkRequest);
    });
  }

  publish(topic: string, data: string, options: PublishOptions = {}): void {
    const links = this.topics.get(topic);
    if (links === undefined) return;
    const frame = textFrame(Buffer.from(data, 'utf8'));
    const droppable = options.droppable === true;
    let sent = 0;
    let shed = 0;
    for (const link of links) {
      if (link === options.except) continue;
      const queued = link.queue(frame, droppable);
      if (queued === 'queued') sent++;
      else if (queued === 'shed') shed++;
    }
    this.onSent(sent);
    if (shed > 0) this.onLimit('shed', shed);
  }

  /** @internal used by WsLink */
  sent(frames: number): void {
    this.onSent(frames);
  }

  /**
   * @internal used by WsLink: its backlog passed the limit. Cut at once, without a closing
   * handshake its peer would not read; the link leaves its topics when its 'close' follows.
   */
  overflowed(link: WsLink): void {
    this.onLimit('link_backlog', 1);
    link.cut();
  }

  /**
   * Soon, not inside the write that went over (a fan-out is still looping over its links); and
   * at most every TOTAL_CHECK_EVERY_MS, since a total over the limit with no link big enough to
   * cut would otherwise mean a walk over every link on every write.
   */
  private scheduleTotalCheck(): void {
    if (this.totalCheckDue) return;
    this.totalCheckDue = true;
    const waitMs = this.lastTotalCheckMs + TOTAL_CHECK_EVERY_MS - performance.now();
    const run = () => {
      this.totalCheckDue = false;
      this.lastTotalCheckMs = performance.now();
      this.checkTotal();
    };
    if (waitMs <= 0) queueMicrotask(run);
    else setTimeout(run, waitMs).unref();
  }

  /**
   * Recounts every link's backlog (the running total may be stale), then cuts the links with the
   * biggest backlogs until the total is under the limit. Only links already past the point where
   * droppable frames are shed qualify: a fan-out queues one shared buffer on every recipient, so
   * many links with small backlogs hold little memory between them, and a busy room's readers
   * that keep up are never cut for it.
   */
  private checkTotal(): void {
    const sizes = new Map<WsLink, number>();
    for (const link of this.links) sizes.set(link, link.outbox.recount());
    if (this.total.bytes <= this.total.maxBytes) return;
    const biggest = [...sizes]
      .filter(([, bytes]) => bytes > this.limits.droppableAboveBytes)
      .sort((a, b) => b[1] - a[1]);
    let cut = 0;
    for (const [link] of biggest) {
      if (this.total.bytes <= this.total.maxBytes) break;
      link.cut();
      cut++;
    }
    if (cut > 0) this.onLimit('backlog_total', cut);
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
