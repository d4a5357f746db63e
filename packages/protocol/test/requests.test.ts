// The request table must cover every client frame the decoder accepts: a request without a row
// would be delivered, deduplicated and gated on the backend by nobody's rule.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type ClientRequest,
  decodeClientFrame,
  isAppliedOnce,
  REQUEST_KINDS,
  requestKind,
} from '../src/index.js';

/** The tags of the decoder's table of client frames, read from its source. */
function decoderTags(): string[] {
  const source = readFileSync(new URL('../src/codec.ts', import.meta.url), 'utf8');
  const block = /const CLIENT_SHAPES[^=]*=\s*\{([\s\S]*?)\n\};/.exec(source)?.[1];
  if (block === undefined) throw new Error('CLIENT_SHAPES not found in codec.ts');
  return [...block.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1] as string);
}

const encode = (frame: object) => new TextEncoder().encode(JSON.stringify(frame));

describe('the request table', () => {
  it('has a row for every request tag the decoder knows, and only those', () => {
    const requests = decoderTags().filter((t) => t !== 'ping');
    expect(requests.length).toBeGreaterThan(10);
    expect(Object.keys(REQUEST_KINDS).sort()).toEqual(requests.sort());
  });

  it('names no tag the decoder would call unknown', () => {
    for (const t of Object.keys(REQUEST_KINDS)) {
      const decoded = decodeClientFrame(encode({ t, id: 1 }));
      if (!decoded.ok) expect(decoded.msg).not.toContain('unknown frame type');
    }
  });

  it('applies at most once only what the SDK sends again with the same id', () => {
    for (const t of Object.keys(REQUEST_KINDS) as ClientRequest['t'][]) {
      const kind = requestKind(t);
      if (kind.appliedOnce !== undefined) expect([t, kind.delivery]).toEqual([t, 'reliable']);
    }
  });

  it('tells applied-once requests apart by their tag', () => {
    expect(isAppliedOnce({ t: 'bcast', id: 1, room: 'r', msg: 'm' })).toBe(true);
    expect(isAppliedOnce({ t: 'barrage', id: 1, room: 'r', msg: 'm' })).toBe(false);
  });
});
