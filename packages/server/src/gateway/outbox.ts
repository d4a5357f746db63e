// What a link has still to send, for any transport. Frames written in one tick leave together at
// the end of it (one socket write per link, not one per frame); while the socket cannot take more
// (its peer is not reading) they wait here, in the order written, until it drains. Every write is
// checked against the link's backlog at once, so a peer that stops reading is cut off the moment
// its backlog passes the limit — not at a later sweep, after it has cost megabytes more — and
// what it had queued is dropped as one array, not freed chunk by chunk.

/** The socket under one link, as the outbox needs it. */
export interface OutboxSink {
  /** Writes `chunks` in order; false once the socket's own buffer is full (wait for `drained`). */
  write(chunks: readonly Buffer[]): boolean;
  /** Bytes handed to the socket and not yet sent. */
  readonly socketBuffered: number;
}

export interface OutboxLimits {
  /** A backlog (queued here and in the socket) above this cuts the link. */
  maxBufferedBytes: number;
  /** Droppable frames (barrage) are not queued on a link whose backlog is above this. */
  droppableAboveBytes: number;
}

/**
 * The unsent bytes of every outbox together, kept as each outbox last saw its own backlog. A
 * socket that sent part of its buffer without having been full says nothing, so the total can
 * be stale (too high); `over` is only a hint, and the owner recounts every link before cutting.
 */
export class BacklogTotal {
  bytes = 0;

  constructor(
    readonly maxBytes: number,
    /** Told when the total went over `maxBytes`. */
    private readonly onOver: () => void,
  ) {}

  /** @internal used by Outbox */
  changed(delta: number): void {
    this.bytes += delta;
    if (delta > 0 && this.bytes > this.maxBytes) this.onOver();
  }
}

/** What became of one frame. */
export type Queued = 'queued' | 'shed' | 'overflow' | 'closed';

/** Flushes every outbox written to in this tick, once, when the tick's I/O is done. */
export class Flusher {
  private readonly due = new Set<Outbox>();
  private readonly run = (): void => {
    for (const outbox of this.due) outbox.flush();
    this.due.clear();
  };

  schedule(outbox: Outbox): void {
    if (this.due.size === 0) setImmediate(this.run);
    this.due.add(outbox);
  }
}

export class Outbox {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** The socket refused more: wait for `drained`. */
  private blocked = false;
  private closed = false;
  /** This outbox's share of `total`, as last counted. */
  private counted = 0;

  constructor(
    private readonly sink: OutboxSink,
    private readonly limits: OutboxLimits,
    private readonly flusher: Flusher,
    private readonly total?: BacklogTotal,
  ) {}

  /** Brings this outbox's share of the total up to date; returns its backlog. */
  recount(): number {
    const backlog = this.closed ? 0 : this.backlog;
    if (this.total !== undefined && backlog !== this.counted) {
      const delta = backlog - this.counted;
      this.counted = backlog;
      this.total.changed(delta);
    }
    return backlog;
  }

  /** Unsent bytes: queued here and in the socket. */
  get backlog(): number {
    return this.bytes + this.sink.socketBuffered;
  }

  /**
   * Queues `frame` (a shared buffer: one publish queues the same one on every link). 'overflow'
   * means the backlog would pass the limit: nothing is queued any more and the caller cuts the link.
   */
  push(frame: Buffer, droppable = false): Queued {
    if (this.closed) return 'closed';
    const backlog = this.backlog;
    if (droppable && backlog > this.limits.droppableAboveBytes) return 'shed';
    if (backlog + frame.length > this.limits.maxBufferedBytes) {
      this.discard();
      return 'overflow';
    }
    this.chunks.push(frame);
    this.bytes += frame.length;
    if (this.chunks.length === 1 && !this.blocked) this.flusher.schedule(this);
    this.recount();
    return 'queued';
  }

  /** Hands what is queued to the socket, unless the socket is still full. */
  flush(force = false): void {
    if ((this.blocked && !force) || this.chunks.length === 0) return;
    const chunks = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    if (!this.sink.write(chunks)) this.blocked = true;
  }

  /** The socket took what it held: send what waited meanwhile. */
  drained(): void {
    this.blocked = false;
    this.flush();
    this.recount();
  }

  /** Drops what is queued and refuses more (the link is being cut). */
  discard(): void {
    this.closed = true;
    this.chunks = [];
    this.bytes = 0;
    this.recount();
  }
}
