// Where the gateway's links meet admission control (admission.ts) and the line at the door
// (entry-queue.ts): the verdict on a link as it opens, and while it counts as waiting for the
// answer to its first login or resume (what admission's budget is made of).

import { type Admission, intentOf, type Verdict } from './admission.js';
import type { Connection } from './connection.js';
import { EntryQueue } from './entry-queue.js';
import type { LinkRequest } from './transport.js';

/** A link let in from the line at the door sends its login or resume within this, or gives its place back. */
const ASK_WITHIN_MS = 250;

export class LinkAdmission {
  /** New links held at the door while a storm is served. */
  readonly entry: EntryQueue;

  constructor(readonly admission: Admission) {
    this.entry = new EntryQueue(admission);
  }

  /** What was decided for a link that opens: at the door, or now, for a transport without one. */
  verdict(request: LinkRequest): Verdict {
    return this.entry.decided(request) ?? this.admission.consider(intentOf(request.url));
  }

  /**
   * The link opened. One let in from the line takes its place in admission's budget at once, so
   * one answer lets one link in; but if it then does not ask (log in or resume) within
   * ASK_WITHIN_MS it gives the place back, so links let in only to sit there cannot hold the door
   * shut. It counts again when it asks.
   */
  opened(conn: Connection, verdict: Verdict): void {
    if (!verdict.admit || verdict.waiting !== true) return;
    this.startWaiting(conn);
    setTimeout(() => {
      if (!conn.asked) this.answered(conn);
    }, ASK_WITHIN_MS).unref();
  }

  /** Its first login or resume: from now on it waits for its answer. */
  asked(conn: Connection): void {
    if (conn.asked) return;
    conn.asked = true;
    this.startWaiting(conn);
  }

  /** The link no longer waits to get in (answered, or `gone`): admission may let the next one in. */
  answered(conn: Connection, gone = false): void {
    if (!conn.waiting) return;
    conn.waiting = false;
    this.admission.served(gone);
  }

  private startWaiting(conn: Connection): void {
    if (conn.waiting) return;
    conn.waiting = true;
    this.admission.asked();
  }
}
