// One test per row of the state machine's table (docs/contract.md), against the pure state machine.
import { Code, codeMessage, LEGACY_STATE, type RoomStateChangedReason } from '@atrium/protocol';
import { describe, expect, it } from 'vitest';
import {
  INITIAL_ROOM_STATE,
  type RoomEmit,
  type RoomInput,
  type RoomState,
  transition,
} from '../src/room.js';

function run(
  inputs: RoomInput[],
  from: RoomState = INITIAL_ROOM_STATE,
): { state: RoomState; emits: RoomEmit[] } {
  let state = from;
  const emits: RoomEmit[] = [];
  for (const input of inputs) {
    const t = transition(state, input);
    state = t.state;
    emits.push(...t.emits);
  }
  return { state, emits };
}

const login: RoomInput[] = [{ type: 'loginCalled' }, { type: 'loginSucceeded' }];
const lost: RoomInput[] = [...login, { type: 'linkLost' }];

function last(inputs: RoomInput[]): RoomEmit {
  const { emits } = run(inputs);
  const emit = emits.at(-1);
  if (emit === undefined) throw new Error('nothing emitted');
  return emit;
}

function expectRow(
  inputs: RoomInput[],
  reason: RoomStateChangedReason,
  code: number,
  legacy: string | null,
): void {
  const emit = last(inputs);
  expect(emit.reason).toBe(reason);
  expect(emit.errorCode).toBe(code);
  expect(LEGACY_STATE[emit.reason]).toBe(legacy);
  // getRoomState answers the last reason that changed the state (LOGOUT_FAILED changes nothing).
  if (reason !== 'LOGOUT_FAILED') expect(run(inputs).state.reason).toBe(reason);
}

describe('room state machine: the rows of the contract table', () => {
  it('LOGINING 0 when loginRoom is called (CONNECTING)', () => {
    expectRow([{ type: 'loginCalled' }], 'LOGINING', Code.OK, 'CONNECTING');
  });

  it('LOGINED 0 when the login succeeded (CONNECTED)', () => {
    expectRow(login, 'LOGINED', Code.OK, 'CONNECTED');
  });

  it('LOGIN_FAILED 1002033 for a wrong token, with the detail as extendedData (DISCONNECTED)', () => {
    const inputs: RoomInput[] = [
      { type: 'loginCalled' },
      { type: 'loginFailed', code: Code.TOKEN_WRONG, ext: 'user_id differs' },
    ];
    expectRow(inputs, 'LOGIN_FAILED', Code.TOKEN_WRONG, 'DISCONNECTED');
    expect(last(inputs).extendedData).toBe('user_id differs');
  });

  it('LOGIN_FAILED 1002078 for an expired token', () => {
    expectRow(
      [{ type: 'loginCalled' }, { type: 'loginFailed', code: Code.TOKEN_EXPIRED }],
      'LOGIN_FAILED',
      Code.TOKEN_EXPIRED,
      'DISCONNECTED',
    );
  });

  it('LOGIN_FAILED 1002053 when the login window ran out; a lost link before that changes nothing', () => {
    const inputs: RoomInput[] = [
      { type: 'loginCalled' },
      { type: 'linkLost' },
      { type: 'loginFailed', code: Code.NETWORK_BROKEN },
    ];
    expect(run(inputs).emits.map((e) => e.reason)).toEqual(['LOGINING', 'LOGIN_FAILED']);
    expectRow(inputs, 'LOGIN_FAILED', Code.NETWORK_BROKEN, 'DISCONNECTED');
  });

  it.each([
    Code.ROOM_ID_ILLEGAL,
    Code.ROOM_FULL,
    Code.ALREADY_IN_ROOM,
    Code.TOO_MANY_ROOMS,
    Code.MULTI_ROOM_USER_MISMATCH,
    Code.ALREADY_IN_THIS_ROOM,
  ])('LOGIN_FAILED %i (parameter and room rules)', (code) => {
    expectRow([{ type: 'loginCalled' }, { type: 'loginFailed', code }], 'LOGIN_FAILED', code, 'DISCONNECTED');
  });

  it('RECONNECTING 1002051 when the link broke after LOGINED, once however often it breaks', () => {
    expectRow(lost, 'RECONNECTING', Code.CONNECTION_INTERRUPTED, 'CONNECTING');
    expect(run([...lost, { type: 'linkLost' }, { type: 'linkLost' }]).emits.map((e) => e.reason)).toEqual([
      'LOGINING',
      'LOGINED',
      'RECONNECTING',
    ]);
  });

  it('RECONNECTED 0 with {"recovered":true|false}, and the queue flushed', () => {
    for (const recovered of [true, false]) {
      const inputs: RoomInput[] = [...lost, { type: 'recovered', recovered }];
      expectRow(inputs, 'RECONNECTED', Code.OK, 'CONNECTED');
      expect(JSON.parse(last(inputs).extendedData)).toEqual({ recovered });
      expect(transition(run(lost).state, { type: 'recovered', recovered }).effects).toEqual([
        { kind: 'flush' },
      ]);
    }
  });

  it('RECONNECT_FAILED 1002053 when the reconnect window ran out; queued sends settle with it', () => {
    expectRow([...lost, { type: 'windowExpired' }], 'RECONNECT_FAILED', Code.NETWORK_BROKEN, 'DISCONNECTED');
    expect(transition(run(lost).state, { type: 'windowExpired' }).effects).toEqual([
      { kind: 'drop', code: Code.NETWORK_BROKEN },
    ]);
  });

  it('RECONNECT_FAILED with the refusal code when the fresh login was refused', () => {
    for (const code of [Code.TOKEN_EXPIRED, Code.ROOM_FULL]) {
      expectRow([...lost, { type: 'reconnectRefused', code }], 'RECONNECT_FAILED', code, 'DISCONNECTED');
    }
  });

  it('KICKOUT 1002050 (duplicate login), from the room or while reconnecting, or as the refusal', () => {
    const code = Code.KICKED_DUPLICATE_LOGIN;
    expectRow([...login, { type: 'kicked', code }], 'KICKOUT', code, 'DISCONNECTED');
    expectRow([...lost, { type: 'kicked', code }], 'KICKOUT', code, 'DISCONNECTED');
    expectRow([...lost, { type: 'reconnectRefused', code }], 'KICKOUT', code, 'DISCONNECTED');
  });

  it('KICKOUT 1002055 (backend) carries the custom reason as {"custom_kickout_message": …}', () => {
    const inputs: RoomInput[] = [...login, { type: 'kicked', code: Code.KICKED_BY_BACKEND, ext: 'spam' }];
    expectRow(inputs, 'KICKOUT', Code.KICKED_BY_BACKEND, 'DISCONNECTED');
    expect(last(inputs).extendedData).toBe('{"custom_kickout_message":"spam"}');
  });

  it('KICKOUT with no reason carries what the code means as custom_kickout_message', () => {
    for (const ext of [undefined, '']) {
      const code = Code.KICKED_DUPLICATE_LOGIN;
      const away: RoomInput = ext === undefined ? { type: 'kicked', code } : { type: 'kicked', code, ext };
      expect(JSON.parse(last([...login, away]).extendedData)).toEqual({
        custom_kickout_message: codeMessage(code),
      });
      const refused: RoomInput = { type: 'reconnectRefused', code, ext: '' };
      expect(JSON.parse(last([...lost, refused]).extendedData)).toEqual({
        custom_kickout_message: codeMessage(code),
      });
    }
  });

  it('KICKOUT 1002078 (token expired under kickOnTokenExpiry)', () => {
    expectRow(
      [...login, { type: 'kicked', code: Code.TOKEN_EXPIRED }],
      'KICKOUT',
      Code.TOKEN_EXPIRED,
      'DISCONNECTED',
    );
  });

  it('LOGOUT 0 from the room, while reconnecting, or cancelling a login; LOGOUT is also the initial state', () => {
    expect(INITIAL_ROOM_STATE.reason).toBe('LOGOUT');
    expectRow([...login, { type: 'logoutCalled', multiRoom: false }], 'LOGOUT', Code.OK, 'DISCONNECTED');
    expectRow([...lost, { type: 'logoutCalled', multiRoom: true }], 'LOGOUT', Code.OK, 'DISCONNECTED');
    expectRow(
      [{ type: 'loginCalled' }, { type: 'logoutCalled', multiRoom: false }],
      'LOGOUT',
      Code.OK,
      'DISCONNECTED',
    );
  });

  it('LOGOUT_FAILED 1002002 for a multi-room logout of a room not logged in (no legacy event); silent in single-room mode', () => {
    expectRow([{ type: 'logoutCalled', multiRoom: true }], 'LOGOUT_FAILED', Code.ROOM_NOT_LOGGED_IN, null);
    expect(run([{ type: 'logoutCalled', multiRoom: false }]).emits).toEqual([]);
    const after = run([
      ...login,
      { type: 'logoutCalled', multiRoom: true },
      { type: 'logoutCalled', multiRoom: true },
    ]);
    expect(after.emits.map((e) => e.reason)).toEqual(['LOGINING', 'LOGINED', 'LOGOUT', 'LOGOUT_FAILED']);
    expect(after.state.reason).toBe('LOGOUT');
  });
});

describe('room state machine: what it refuses', () => {
  it('a kick during a login fails the login (exactly one of LOGINED / LOGIN_FAILED), its ext kept raw', () => {
    expectRow(
      [{ type: 'loginCalled' }, { type: 'kicked', code: Code.KICKED_DUPLICATE_LOGIN }],
      'LOGIN_FAILED',
      Code.KICKED_DUPLICATE_LOGIN,
      'DISCONNECTED',
    );
    const kicked: RoomInput[] = [
      { type: 'loginCalled' },
      { type: 'kicked', code: Code.KICKED_BY_BACKEND, ext: 'spam' },
    ];
    expect(last(kicked).extendedData).toBe('spam');
  });

  it('a second login call while logining or logined emits nothing (the engine rejects it with 1002056)', () => {
    expect(run([{ type: 'loginCalled' }, { type: 'loginCalled' }]).emits).toHaveLength(1);
    expect(run([...login, { type: 'loginCalled' }]).emits).toHaveLength(2);
  });

  it('no RECONNECTED without RECONNECTING, and nothing after a terminal reason but a new login', () => {
    expect(run([...login, { type: 'recovered', recovered: true }]).emits).toHaveLength(2);
    const ended = run([...lost, { type: 'windowExpired' }]).state;
    for (const input of [
      { type: 'linkLost' },
      { type: 'recovered', recovered: false },
      { type: 'kicked', code: Code.KICKED_BY_BACKEND },
      { type: 'windowExpired' },
      { type: 'loginSucceeded' },
    ] satisfies RoomInput[]) {
      expect(transition(ended, input).emits).toEqual([]);
    }
    expect(transition(ended, { type: 'loginCalled' }).emits.map((e) => e.reason)).toEqual(['LOGINING']);
  });
});
