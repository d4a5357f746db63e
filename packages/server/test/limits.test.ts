// The pieces of the limits on their own: the open-file limit as /proc says it and the caps derived
// from it, the options' checks, a link's input budget and its outbox.

import { describe, expect, it } from 'vitest';
import { InputBudget } from '../src/gateway/input-budget.js';
import { Flusher, Outbox } from '../src/gateway/outbox.js';
import { FALLBACK_FD_LIMIT, openFileLimit } from '../src/limits/fd-limit.js';
import { addressKey } from '../src/limits/http-guard.js';
import { linkCapsFor } from '../src/limits/options.js';
import { OptionsError, resolveOptions } from '../src/options.js';
import { APP_ID, SECRET } from './helpers.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             95853                95853                processes
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
`;

describe('the open-file limit', () => {
  it('is the soft limit of /proc/self/limits, or a fallback', () => {
    expect(openFileLimit(() => LIMITS)).toBe(20000);
    expect(openFileLimit(() => LIMITS.replace('20000                20000', '1024   4096'))).toBe(1024);
    expect(openFileLimit(() => 'Max open files  unlimited  unlimited  files\n')).toBe(1_000_000);
    expect(openFileLimit(() => 'nothing useful')).toBe(FALLBACK_FD_LIMIT);
    expect(
      openFileLimit(() => {
        throw new Error('no /proc here');
      }),
    ).toBe(FALLBACK_FD_LIMIT);
    // This process's own, whatever it is.
    expect(openFileLimit()).toBeGreaterThan(0);
  });

  it('gives the link caps, with a reserve for HTTP, Redis and files', () => {
    expect(linkCapsFor(256)).toEqual({ maxLinks: 192, maxLinksPerIp: 48 });
    expect(linkCapsFor(1024)).toEqual({ maxLinks: 921, maxLinksPerIp: 230 });
    expect(linkCapsFor(20000)).toEqual({ maxLinks: 18000, maxLinksPerIp: 4500 });
    expect(linkCapsFor(40)).toEqual({ maxLinks: 16, maxLinksPerIp: 16 });
  });
});

describe('whom a connection counts against', () => {
  it('is its IPv4 address, or the /64 of its IPv6 address', () => {
    expect(addressKey('127.0.0.2')).toBe('127.0.0.2');
    expect(addressKey('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(addressKey('2001:db8:a:b:c:d:e:f')).toBe('2001:db8:a:b::/64');
    expect(addressKey('2001:db8:a:b::1')).toBe(addressKey('2001:db8:a:b:ffff::2'));
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('limit options', () => {
  const apps = [{ appID: APP_ID, serverSecret: SECRET }];

  it('default to seconds, not minutes, and derive the caps unless given', () => {
    const o = resolveOptions({ apps, maxLinks: 1000 });
    expect(o).toMatchObject({
      loginDeadlineMs: 10_000,
      loginMaxMessageBytes: 16 * 1024,
      maxLinks: 1000,
      maxLinksPerIp: 250,
      maxLinksBeforeLogin: 500,
      httpFirstByteTimeoutMs: 2_000,
      httpHeadersTimeoutMs: 10_000,
      httpRequestTimeoutMs: 30_000,
      adminBodyTimeoutMs: 5_000,
    });
    expect(resolveOptions({ apps }).maxLinks).toBe(linkCapsFor(openFileLimit()).maxLinks);
  });

  it('name the bad field', () => {
    expect(() => resolveOptions({ apps, loginDeadlineMs: 5 })).toThrow(OptionsError);
    expect(() => resolveOptions({ apps, maxLinksPerIp: 0 })).toThrow(/maxLinksPerIp/);
    expect(() => resolveOptions({ apps, inputFramesPerSec: 1.5 })).toThrow(/inputFramesPerSec/);
  });
});

describe('a link’s input budget', () => {
  it('lets a burst through, pauses past it, and closes a link that keeps at it', () => {
    const budget = new InputBudget({ framesPerSec: 10, bytesPerSec: 1000 }, 2, 0);
    for (let i = 0; i < 20; i++) expect(budget.take(1, 10, 0).kind).toBe('ok');
    const first = budget.take(1, 10, 0);
    expect(first).toEqual({ kind: 'pause', ms: 600 });
    // Read before the pause took hold: debt, not another strike.
    expect(budget.take(1, 0, 100).kind).toBe('ok');
    expect(budget.take(6, 0, 700).kind).toBe('pause');
    expect(budget.take(10, 0, 1500).kind).toBe('close');
  });

  it('forgives a link that let its budget fill up again', () => {
    const budget = new InputBudget({ framesPerSec: 10, bytesPerSec: 1000 }, 1, 0);
    expect(budget.take(21, 0, 0).kind).toBe('pause');
    expect(budget.take(0, 0, 10_000).kind).toBe('ok');
    expect(budget.take(21, 0, 10_000).kind).toBe('pause');
  });

  it('closes at once a link deeper in debt than its whole burst', () => {
    const budget = new InputBudget({ framesPerSec: 10, bytesPerSec: 1000 }, 5, 0);
    expect(budget.take(0, 4001, 0).kind).toBe('close');
  });
});

describe('a link’s outbox', () => {
  function rig(maxBufferedBytes = 100, droppableAboveBytes = 50) {
    const writes: Buffer[][] = [];
    const sink = {
      socketBuffered: 0,
      accept: true,
      write: (c: readonly Buffer[]) => {
        writes.push([...c]);
        return sink.accept;
      },
    };
    const outbox = new Outbox(sink, { maxBufferedBytes, droppableAboveBytes }, new Flusher());
    return { sink, outbox, writes, tick: () => new Promise((resolve) => setImmediate(resolve)) };
  }

  it('writes a tick’s frames together, then holds them while the socket is full', async () => {
    const { sink, outbox, writes, tick } = rig();
    outbox.push(Buffer.from('a'));
    outbox.push(Buffer.from('b'));
    await tick();
    expect(writes).toEqual([[Buffer.from('a'), Buffer.from('b')]]);
    sink.accept = false;
    outbox.push(Buffer.from('c'));
    await tick();
    outbox.push(Buffer.from('d'));
    await tick();
    expect(writes.length).toBe(2);
    expect(outbox.backlog).toBe(1);
    sink.accept = true;
    outbox.drained();
    expect(writes[2]).toEqual([Buffer.from('d')]);
  });

  it('sheds droppable frames first and overflows at the limit, dropping its queue', () => {
    const { sink, outbox } = rig();
    sink.accept = false;
    sink.socketBuffered = 60;
    expect(outbox.push(Buffer.alloc(10), true)).toBe('shed');
    expect(outbox.push(Buffer.alloc(30))).toBe('queued');
    expect(outbox.push(Buffer.alloc(11))).toBe('overflow');
    expect(outbox.backlog).toBe(60);
    expect(outbox.push(Buffer.alloc(1))).toBe('closed');
  });
});
