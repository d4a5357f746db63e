// The line at the door during a reconnect storm. Every returning link costs the server its
// WebSocket handshake and then its resume; served in arrival order, thousands of them fill each
// turn of the event loop, and a newcomer's login waits behind them all. Instead, the transport
// holds each new link before answering its upgrade (held-upgrade.ts, cheap: an accepted socket
// and its parsed request) and knocks here. Admission decides (admission.ts): a fresh login goes
// in at once; while the server is behind, the others wait in line and are let in a slice at a
// time, at most SLICE_MS of upgrades per turn and only while admission says the server keeps
// up; while the line moves too slowly, newcomers are turned away (`bye` with a `retryMs`). A
// client that gives up while in line leaves it and is never served, and none is held longer
// than MAX_HOLD_MS.

import { type Admission, intentOf, type Verdict } from './admission.js';
import type { Door, LinkRequest } from './transport.js';

/** At most this much of a turn of the event loop goes to letting links in from the line. */
export const SLICE_MS = 4;
/** When admission says wait (too many links waiting for answers, or the loop lags), look again after this. */
const RECHECK_MS = 5;
/**
 * A link held longer than this is dropped unanswered: its client (whose connect timeout is 8 s
 * at least) does better retrying, and one that went silent without closing must not be held
 * for ever.
 */
export const MAX_HOLD_MS = 5000;

export class EntryQueue {
  /** Links in line, oldest first, with what they asked for and when they joined the line. */
  private readonly line = new Map<Door, { request: LinkRequest; sinceMs: number }>();
  /** What was decided for a request let in, read once when its link opens. */
  private readonly verdicts = new WeakMap<LinkRequest, Verdict>();
  private scheduled = false;
  /** Clients that went away while in line (counted, for metrics): never served. */
  leftTotal = 0;
  /** Links dropped after MAX_HOLD_MS in line. */
  droppedTotal = 0;

  constructor(
    private readonly admission: Admission,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Links in line now. */
  get size(): number {
    return this.line.size;
  }

  knock(request: LinkRequest, door: Door): void {
    const now = this.clock();
    const head = this.line.values().next().value;
    const verdict = this.admission.atDoor(
      intentOf(request.url),
      this.line.size,
      head === undefined ? 0 : now - head.sinceMs,
    );
    if (verdict !== 'wait') {
      this.enter(door, request, verdict);
      return;
    }
    this.line.set(door, { request, sinceMs: now });
    door.onGone(() => {
      if (this.line.delete(door)) this.leftTotal++;
    });
    this.schedule(0);
  }

  /** The verdict for a link that was let in through here; undefined for one that never knocked. */
  decided(request: LinkRequest): Verdict | undefined {
    const verdict = this.verdicts.get(request);
    this.verdicts.delete(request);
    return verdict;
  }

  private enter(door: Door, request: LinkRequest, verdict: Verdict): void {
    this.verdicts.set(request, verdict);
    door.enter();
  }

  private schedule(delayMs: number): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.drain();
    };
    if (delayMs === 0) setImmediate(run);
    else setTimeout(run, delayMs);
  }

  /** One slice: let links in, oldest first, while admission allows and the slice lasts. */
  private drain(): void {
    const now = this.clock();
    const until = now + SLICE_MS;
    for (const [door, { request, sinceMs }] of this.line) {
      if (now - sinceMs > MAX_HOLD_MS) {
        // Oldest first: the rest of the line has waited less.
        this.line.delete(door);
        this.droppedTotal++;
        door.drop();
        continue;
      }
      if (!this.admission.mayLetIn()) {
        this.schedule(RECHECK_MS);
        return;
      }
      this.line.delete(door);
      this.enter(door, request, this.admission.letIn(true));
      if (this.clock() >= until) break;
    }
    if (this.line.size > 0) this.schedule(0);
  }
}
