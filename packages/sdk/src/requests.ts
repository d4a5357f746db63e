// Request/reply correlation. Ids are made here, once per engine, and never reused across
// reconnects: a reliable request re-sent after a cut keeps its id, so the server can tell a resend
// of something it already applied (docs/contract.md, "Reconnection"). The server remembers ids per
// user, and a user may run several engines, so each engine starts counting at a random point.

import type { ClientRequest, ReplyFrame } from '@atrium/protocol';

export interface Reply {
  code: number;
  msg?: string;
  ext?: string;
  data?: unknown;
}

/**
 * login: the app's login or switch, sent again by its room after a cut; recover: a resume or a
 * fresh login of a room away, made again on the next link; reliable: queued while the room is
 * away and sent again with its id; once: settled with 1000002 by a cut.
 */
export type RequestKind = 'login' | 'recover' | 'reliable' | 'once';

export interface Outgoing {
  readonly id: number;
  readonly frame: ClientRequest;
  readonly kind: RequestKind;
  /** The room the request belongs to, when it belongs to one. */
  readonly room?: string;
  readonly onReply: (reply: Reply) => void;
}

export interface FrameSender {
  send(frame: ClientRequest): boolean;
}

/** Below 2^40: room to count up from anywhere without leaving the safe integers. */
const ID_START_RANGE = 2 ** 40;

export class Requests {
  private lastId: number;
  private readonly inflight = new Map<number, Outgoing>();

  /** `random`: uniform in [0, 1), where this engine's ids start. */
  constructor(random: () => number) {
    this.lastId = Math.floor(random() * ID_START_RANGE);
  }

  nextId(): number {
    return ++this.lastId;
  }

  /** Sends and waits for the reply; false when the link would not take it. */
  send(link: FrameSender, out: Outgoing): boolean {
    if (!link.send(out.frame)) return false;
    this.inflight.set(out.id, out);
    return true;
  }

  reply(frame: ReplyFrame): void {
    const out = this.inflight.get(frame.id);
    if (out === undefined) return;
    this.inflight.delete(frame.id);
    const reply: Reply = { code: typeof frame.code === 'number' ? frame.code : -1 };
    if (typeof frame.msg === 'string') reply.msg = frame.msg;
    if (typeof frame.ext === 'string') reply.ext = frame.ext;
    if (frame.data !== undefined) reply.data = frame.data;
    out.onReply(reply);
  }

  /** Everything still unanswered (the link went down), oldest first. */
  takeAll(): Outgoing[] {
    const all = [...this.inflight.values()].sort((a, b) => a.id - b.id);
    this.inflight.clear();
    return all;
  }

  /** The unanswered requests of one room, oldest first. */
  takeRoom(room: string): Outgoing[] {
    const taken = [...this.inflight.values()].filter((o) => o.room === room).sort((a, b) => a.id - b.id);
    for (const out of taken) this.inflight.delete(out.id);
    return taken;
  }
}
