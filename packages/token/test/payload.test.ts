import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makePrivilegePayload, parseTokenPayload } from '../src/index.js';

const ANY = { roomID: '', canLogin: true, canPublish: true, streamIDs: null };

describe('parseTokenPayload', () => {
  it('reads an empty payload as no restrictions', () => {
    expect(parseTokenPayload('')).toEqual({ ok: true, privileges: ANY });
  });

  it('reads a full strict payload', () => {
    const payload = '{"room_id":"r1","privilege":{"1":1,"2":1},"stream_id_list":["s1","s2"]}';
    expect(parseTokenPayload(payload)).toEqual({
      ok: true,
      privileges: { roomID: 'r1', canLogin: true, canPublish: true, streamIDs: ['s1', 's2'] },
    });
  });

  it('reads 0 as denied', () => {
    const payload = '{"room_id":"r1","privilege":{"1":0,"2":0},"stream_id_list":null}';
    expect(parseTokenPayload(payload)).toMatchObject({
      ok: true,
      privileges: { canLogin: false, canPublish: false },
    });
  });

  it('reads an empty stream list as any stream, like null', () => {
    expect(parseTokenPayload('{"stream_id_list":[]}')).toEqual({ ok: true, privileges: ANY });
  });

  it('reads absent fields as unrestricted and ignores unknown ones', () => {
    expect(parseTokenPayload('{}')).toEqual({ ok: true, privileges: ANY });
    expect(parseTokenPayload('{"privilege":{"2":0},"extra":true}')).toEqual({
      ok: true,
      privileges: { ...ANY, canPublish: false },
    });
  });

  const unreadable: [string, unknown, string][] = [
    ['not a string', 42, 'not a string'],
    ['not JSON', '{room_id:', 'bad json'],
    ['a JSON array', '[]', 'bad json: not an object'],
    ['JSON null', 'null', 'bad json: not an object'],
    ['a JSON string', '"x"', 'bad json: not an object'],
    ['a numeric room_id', '{"room_id":5}', 'bad room_id'],
    ['privilege an array', '{"privilege":[1,1]}', 'bad privilege'],
    ['privilege 2', '{"privilege":{"1":2}}', 'bad privilege'],
    ['privilege "1"', '{"privilege":{"1":"1"}}', 'bad privilege'],
    ['privilege true', '{"privilege":{"2":true}}', 'bad privilege'],
    ['privilege null', '{"privilege":{"2":null}}', 'bad privilege'],
    ['stream_id_list a string', '{"stream_id_list":"s1"}', 'bad stream_id_list'],
    ['stream_id_list with a number', '{"stream_id_list":["s1",2]}', 'bad stream_id_list'],
  ];
  for (const [name, payload, reason] of unreadable) {
    it(`refuses ${name}: ${reason}`, () => {
      expect(parseTokenPayload(payload as string)).toEqual({ ok: false, reason });
    });
  }

  it('never throws, whatever the string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.json({ maxDepth: 2 })), (s) => {
        expect(typeof parseTokenPayload(s).ok).toBe('boolean');
      }),
    );
  });
});

describe('makePrivilegePayload', () => {
  it("writes ZEGO's shape, byte for byte as in the test vector", () => {
    expect(makePrivilegePayload({ roomID: 'demo', canLogin: true, canPublish: false })).toBe(
      '{"room_id":"demo","privilege":{"1":1,"2":0},"stream_id_list":null}',
    );
  });

  it('restricts nothing by default', () => {
    expect(parseTokenPayload(makePrivilegePayload())).toEqual({ ok: true, privileges: ANY });
  });

  it('round-trips through parseTokenPayload', () => {
    const privileges = fc.record({
      roomID: fc.string({ unit: 'binary' }),
      canLogin: fc.boolean(),
      canPublish: fc.boolean(),
      streamIDs: fc.option(fc.array(fc.string(), { minLength: 1 }), { nil: null }),
    });
    fc.assert(
      fc.property(privileges, (p) => {
        expect(parseTokenPayload(makePrivilegePayload(p))).toEqual({ ok: true, privileges: p });
      }),
    );
  });
});
