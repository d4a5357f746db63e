// The server session's lifecycle (rooms/session.ts): new → attached ⇄ detached → ended, with
// attach, detach and end its only writers, and the newest resume the only one that may attach.

import { describe, expect, it } from 'vitest';
import type { TransportLink } from '../src/gateway/transport.js';
import { Session } from '../src/rooms/session.js';

const link = (): TransportLink => ({
  bufferedAmount: 0,
  remoteAddress: undefined,
  send: () => {},
  close: () => {},
  terminate: () => {},
  pause: () => {},
  resume: () => {},
  subscribe: () => {},
  unsubscribe: () => {},
});

const session = () => new Session('s1', 'key', 1, { userID: 'ann', userName: 'ann' }, false);

describe('a server session', () => {
  it('is attached by its login, detached by a lost link, attached again by a resume', () => {
    const s = session();
    expect([s.link, s.detachedAtMs, s.ended]).toEqual([undefined, undefined, false]);
    const first = link();
    s.attach(first);
    expect(s.link).toBe(first);
    expect(s.detach(100)).toBe(first);
    expect([s.link, s.detachedAtMs]).toEqual([undefined, 100]);
    // A second detach (the sweep, a resume) keeps the time the link was lost.
    expect(s.detach(200)).toBeUndefined();
    expect(s.detachedAtMs).toBe(100);
    const second = link();
    s.attach(second);
    expect([s.link, s.detachedAtMs]).toEqual([second, undefined]);
  });

  it('ends once: a second end says so, and nothing attaches it again', () => {
    const s = session();
    s.attach(link());
    expect(s.end('expired')).toBe(true);
    expect(s.end('lost')).toBe(false);
    s.attach(link());
    s.detach(5);
    expect([s.ended, s.link, s.detachedAtMs]).toEqual([true, undefined, undefined]);
  });

  it('taken over from another node, waits detached for its resume', () => {
    const s = session();
    s.detach(42);
    expect(s.detachedAtMs).toBe(42);
  });

  it('counts the resumes in flight, and only the newest may attach', () => {
    const s = session();
    const older = s.beginResume();
    const newer = s.beginResume();
    expect(s.resuming).toBe(true);
    expect([s.isLatestResume(older), s.isLatestResume(newer)]).toEqual([false, true]);
    s.finishResume();
    expect(s.resuming).toBe(true);
    s.finishResume();
    expect(s.resuming).toBe(false);
  });
});
