// The socket seam (docs/architecture.md, principle 3). The gateway speaks only to this; `ws` implements
// it today (ws-transport.ts), and a Bun transport with native topic pub/sub can replace it
// without touching room logic. Topics let a room's event be written once for every recipient.
// A transport queues its writes through an Outbox (outbox.ts), which coalesces them and cuts a
// link whose peer stops reading.

export interface TransportLink {
  /** Unsent bytes queued on this link. */
  readonly bufferedAmount: number;
  /** The peer's IP address, where the transport knows it. */
  readonly remoteAddress: string | undefined;
  send(data: string): void;
  /** A clean close with a WebSocket close code; a peer that does not answer soon is cut. */
  close(code: number, reason: string): void;
  /** Drop the connection without a closing handshake (a dead or hostile peer). */
  terminate(): void;
  /** Stop reading from the peer (it sends faster than its budget) until `resume`. */
  pause(): void;
  resume(): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /**
   * The link has logged in: it may send messages up to the full payload limit from now on
   * (before, a far smaller one, so idle links cannot each hold a large message half-sent).
   */
  loggedIn?(): void;
}

export interface PublishOptions {
  /** Not to this link (the originating member). */
  except?: TransportLink | undefined;
  /** Best effort: skip links whose send buffer is already above the transport's low-water mark. */
  droppable?: boolean;
}

/** What the client asked for when it opened the link. */
export interface LinkRequest {
  /** The request target, path and query (`/ws?intent=resume`). */
  url: string;
}

/**
 * A link waiting at the door: the client asked to open it (its HTTP upgrade arrived), nothing
 * has been answered yet. The gateway lets it in when it can serve it (reconnect storms, see
 * admission.ts); meanwhile the transport holds the connection and watches for the client leaving.
 */
export interface Door {
  /** Go on with the opening: `open` follows, with the same `LinkRequest` that knocked. */
  enter(): void;
  /** Called once if the client goes away before `enter`; the transport has dropped it. */
  onGone(fn: () => void): void;
  /** Close the connection unanswered (it waited too long); `onGone` follows. */
  drop(): void;
}

export interface TransportEvents {
  /**
   * Optional: a client asks to open a link. A transport that calls it holds the connection
   * until `door.enter()`; one that does not opens every link at once.
   */
  knock?(request: LinkRequest, door: Door): void;
  open(link: TransportLink, request: LinkRequest): void;
  /** One whole WebSocket message; text and binary alike. */
  message(link: TransportLink, data: Uint8Array): void;
  /** Called once per link, whoever closed it. */
  close(link: TransportLink): void;
  /**
   * What was read from the peer before any of it is parsed: `bytes` as they arrive, or a frame
   * the transport answers itself (a WebSocket ping). For input budgets; may pause the link.
   */
  received?(link: TransportLink, bytes: number, frames: number): void;
}

export interface Transport {
  /** Start delivering link events to `events`. */
  listen(events: TransportEvents): void;
  /** Writes `data` once to every link subscribed to `topic`. */
  publish(topic: string, data: string, options?: PublishOptions): void;
  /** Closes every link and stops accepting new ones. */
  close(): Promise<void>;
}
