import { describe, expect, it } from 'vitest';
import { RoomEmitter } from '../src/events.js';
import { Logger } from '../src/log.js';

function setup() {
  const lines: string[] = [];
  const log = new Logger('warn', (level, message) => lines.push(`${level} ${message}`));
  return { emitter: new RoomEmitter(log), lines };
}

describe('RoomEmitter', () => {
  it('calls several callbacks per event in registration order', () => {
    const { emitter } = setup();
    const calls: string[] = [];
    expect(emitter.on('tokenWillExpire', (roomID: string) => calls.push(`a:${roomID}`))).toBe(true);
    expect(emitter.on('tokenWillExpire', (roomID: string) => calls.push(`b:${roomID}`))).toBe(true);
    emitter.emit('tokenWillExpire', 'r1');
    expect(calls).toEqual(['a:r1', 'b:r1']);
  });

  it('refuses unknown event names and non-functions with false, never a throw', () => {
    const { emitter } = setup();
    expect(emitter.on('playerStateUpdate', () => {})).toBe(false);
    expect(emitter.on('roomStateChanged', 'not a function')).toBe(false);
    expect(emitter.off('playerStateUpdate')).toBe(false);
    expect(emitter.off('playerStateUpdate', () => {})).toBe(false);
    expect(emitter.on('toString', () => {})).toBe(false);
    expect(emitter.off('toString')).toBe(false);
  });

  it('the same callback registered twice is kept once (on answers true both times)', () => {
    const { emitter } = setup();
    const calls: string[] = [];
    const a = () => calls.push('a');
    expect(emitter.on('tokenWillExpire', a)).toBe(true);
    expect(emitter.on('tokenWillExpire', a)).toBe(true);
    emitter.emit('tokenWillExpire', 'r');
    expect(calls).toEqual(['a']);
    emitter.off('tokenWillExpire', a);
    emitter.emit('tokenWillExpire', 'r');
    expect(calls).toEqual(['a']);
  });

  it('off removes one callback, or all of an event; true for a known event even if cb was not there', () => {
    const { emitter } = setup();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    emitter.on('tokenWillExpire', a);
    emitter.on('tokenWillExpire', b);
    expect(emitter.off('tokenWillExpire', a)).toBe(true);
    expect(emitter.off('tokenWillExpire', a)).toBe(true);
    expect(emitter.off('roomUserUpdate', a)).toBe(true);
    emitter.emit('tokenWillExpire', 'r');
    expect(emitter.off('tokenWillExpire')).toBe(true);
    emitter.emit('tokenWillExpire', 'r');
    expect(calls).toEqual(['b']);
  });

  it('logs a callback that throws and still calls the next one', () => {
    const { emitter, lines } = setup();
    const calls: string[] = [];
    emitter.on('tokenWillExpire', () => {
      throw new Error('app bug');
    });
    emitter.on('tokenWillExpire', () => calls.push('second'));
    expect(() => emitter.emit('tokenWillExpire', 'r')).not.toThrow();
    expect(calls).toEqual(['second']);
    expect(lines).toEqual(['error a tokenWillExpire callback threw; the SDK carries on']);
  });

  it('a callback added while emitting runs from the next emit', () => {
    const { emitter } = setup();
    const calls: string[] = [];
    emitter.on('tokenWillExpire', () => {
      calls.push('outer');
      emitter.on('tokenWillExpire', () => calls.push('inner'));
    });
    emitter.emit('tokenWillExpire', 'r');
    expect(calls).toEqual(['outer']);
  });
});

describe('Logger', () => {
  it('filters by level; verbose shows debug without losing the level', () => {
    const lines: string[] = [];
    const log = new Logger('warn', (level, message) => lines.push(`${level} ${message}`));
    log.info('hidden');
    log.warn('shown');
    log.setVerbose(true);
    log.debug('verbose');
    log.setVerbose(false);
    log.debug('hidden again');
    log.setLevel('silent');
    log.error('hidden too');
    expect(lines).toEqual(['warn shown', 'debug verbose']);
  });
});
