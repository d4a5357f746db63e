// Encode and decode of the wire frames (docs/protocol.md), in one place so a binary codec can
// replace them. Decoders never throw: bad input is data, `{ ok: false, code }`, answered with its
// code.

import { Code, type ErrorCode } from './codes.js';
import type { ClientFrame, ClientFrameType, ServerFrame } from './frames.js';
import { Limits } from './limits.js';

export type Decoded<T> = { ok: true; frame: T } | { ok: false; code: ErrorCode; msg: string; id?: number };

export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}

type FieldType = 'str' | 'num' | 'int' | 'bool' | 'strs' | 'user' | 'seqs';
type Shape = Record<string, FieldType | `${FieldType}?`>;

// Field types of each client frame; domain rules (identifier syntax, sizes) are the room's.
const CLIENT_SHAPES: Record<ClientFrameType, Shape> = {
  login: {
    id: 'int',
    appID: 'num',
    room: 'str',
    token: 'str',
    user: 'user',
    userUpdate: 'bool?',
    maxMemberCount: 'int?',
    multi: 'bool?',
  },
  logout: { id: 'int', room: 'str?' },
  switch: { id: 'int', from: 'str', room: 'str', token: 'str', userUpdate: 'bool?', maxMemberCount: 'int?' },
  renew: { id: 'int', token: 'str', room: 'str?' },
  bcast: { id: 'int', room: 'str', msg: 'str' },
  barrage: { id: 'int', room: 'str', msg: 'str' },
  cmd: { id: 'int', room: 'str', msg: 'str', to: 'strs', enc: 'str?' },
  extra: { id: 'int', room: 'str', key: 'str', value: 'str' },
  pub: { id: 'int', room: 'str', stream: 'str', extra: 'str?' },
  unpub: { id: 'int', room: 'str', stream: 'str' },
  sextra: { id: 'int', room: 'str', stream: 'str', extra: 'str' },
  resume: { id: 'int', session: 'str', key: 'str', rooms: 'seqs' },
  ping: {},
};

function isUser(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const u = v as Record<string, unknown>;
  return typeof u.userID === 'string' && (u.userName === undefined || typeof u.userName === 'string');
}

function isSeqs(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const n of Object.values(v)) if (!Number.isSafeInteger(n) || (n as number) < 0) return false;
  return true;
}

function fits(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'str':
      return typeof v === 'string';
    case 'num':
      return typeof v === 'number' && Number.isFinite(v);
    case 'int':
      return Number.isSafeInteger(v) && (v as number) >= 0;
    case 'bool':
      return typeof v === 'boolean';
    case 'strs':
      return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'user':
      return isUser(v);
    case 'seqs':
      return isSeqs(v);
  }
}

function fail(msg: string, id?: number): Decoded<never> {
  return id === undefined
    ? { ok: false, code: Code.INPUT_PARAM, msg }
    : { ok: false, code: Code.INPUT_PARAM, msg, id };
}

/** Parse and shape-check one frame from a client. Never throws. */
export function decodeClientFrame(data: string | Uint8Array): Decoded<ClientFrame> {
  const size = typeof data === 'string' ? data.length : data.byteLength;
  if (size > Limits.frameMaxBytes) return fail(`frame larger than ${Limits.frameMaxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch {
    return fail('frame is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('frame is not an object');
  const obj = value as Record<string, unknown>;
  const id = Number.isSafeInteger(obj.id) && (obj.id as number) >= 0 ? (obj.id as number) : undefined;
  const shape = typeof obj.t === 'string' ? CLIENT_SHAPES[obj.t as ClientFrameType] : undefined;
  if (shape === undefined || !Object.hasOwn(CLIENT_SHAPES, obj.t as string)) {
    return fail(`unknown frame type ${JSON.stringify(obj.t)}`, id);
  }
  for (const [field, spec] of Object.entries(shape)) {
    const optional = spec.endsWith('?');
    const type = (optional ? spec.slice(0, -1) : spec) as FieldType;
    const v = obj[field];
    if (v === undefined || v === null) {
      if (optional) continue;
      return fail(`${obj.t}: missing ${field}`, id);
    }
    if (!fits(type, v)) return fail(`${obj.t}: bad ${field}`, id);
  }
  return { ok: true, frame: obj as unknown as ClientFrame };
}

const SERVER_TYPES: ReadonlySet<string> = new Set([
  'hello',
  'pong',
  'reply',
  'ev',
  'count',
  'barrage',
  'kick',
  'expiring',
  'error',
  'bye',
]);

/** Parse one frame from the server. Never throws; the SDK ignores what it cannot read. */
export function decodeServerFrame(data: string): Decoded<ServerFrame> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return fail('frame is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('frame is not an object');
  const t = (value as { t?: unknown }).t;
  if (typeof t !== 'string' || !SERVER_TYPES.has(t)) return fail(`unknown frame type ${JSON.stringify(t)}`);
  return { ok: true, frame: value as ServerFrame };
}
