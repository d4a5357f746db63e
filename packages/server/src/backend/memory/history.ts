// A room's bounded history of sequenced events, for replay on resume. A ring, so appending
// never copies and memory per room is capped.

import type { SequencedEvent } from '../types.js';

export class EventHistory {
  private readonly ring: (SequencedEvent | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<SequencedEvent | undefined>(capacity);
  }

  append(entry: SequencedEvent): void {
    if (this.capacity === 0) return;
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /**
   * Events after `afterSeq` up to `lastSeq`, or null when some of them have been dropped.
   * Seqs are consecutive, so the oldest kept one says whether the gap is covered.
   */
  since(afterSeq: number, lastSeq: number): SequencedEvent[] | null {
    if (afterSeq >= lastSeq) return [];
    const missing = lastSeq - afterSeq;
    if (missing > this.size) return null;
    const out: SequencedEvent[] = [];
    for (let i = missing; i > 0; i--) {
      const entry = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }
}
