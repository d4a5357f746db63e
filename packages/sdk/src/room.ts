// One room's state machine (docs/contract.md, "The room state machine") as a pure function. The
// engine feeds it what happened and acts on what it returns; the contract's invariants hold here,
// whatever the shell does.

import { Code, codeMessage, type RoomStateChangedReason } from '@atrium/protocol';

/**
 * idle: not in the room (before any login, or after LOGIN_FAILED / RECONNECT_FAILED / KICKOUT /
 * LOGOUT); logining: a login is under way; logined: in the room; reconnecting: in the room on
 * the server's side, but the link is down.
 */
export type RoomPhase = 'idle' | 'logining' | 'logined' | 'reconnecting';

export interface RoomState {
  readonly phase: RoomPhase;
  /** What `getRoomState` answers: the last reason that changed the state. */
  readonly reason: RoomStateChangedReason;
}

export const INITIAL_ROOM_STATE: RoomState = { phase: 'idle', reason: 'LOGOUT' };

export type RoomInput =
  | { type: 'loginCalled' }
  | { type: 'loginSucceeded' }
  | { type: 'loginFailed'; code: number; ext?: string }
  | { type: 'linkLost' }
  /** Back in: resumed with nothing lost (`recovered`), or rebuilt from a fresh snapshot. */
  | { type: 'recovered'; recovered: boolean }
  /** The fresh login after a refused resume was refused too. */
  | { type: 'reconnectRefused'; code: number; ext?: string }
  /** `ext`: why the link could not be brought back (the last attempt's failure). */
  | { type: 'windowExpired'; ext?: string }
  | { type: 'kicked'; code: number; ext?: string }
  | { type: 'logoutCalled'; multiRoom: boolean };

export interface RoomEmit {
  readonly reason: RoomStateChangedReason;
  readonly errorCode: number;
  readonly extendedData: string;
}

/**
 * flush: send what was queued while away; drop: settle every queued or unanswered request of the
 * room with `code`, as the room is gone.
 */
export type RoomEffect = { kind: 'flush' } | { kind: 'drop'; code: number };

/**
 * What the shell does with the room's timers, in this order: clearWindow (the reconnect window
 * is over: back in, or gone), armWindow (RECONNECTING: the window starts, and its expiry comes
 * back as `windowExpired`), forget (the room is left: its login deadline and its own streams go).
 */
export type TimerEffect = { kind: 'clearWindow' } | { kind: 'armWindow' } | { kind: 'forget' };

export interface RoomTransition {
  readonly state: RoomState;
  readonly emits: readonly RoomEmit[];
  readonly effects: readonly RoomEffect[];
  readonly timers: readonly TimerEffect[];
}

/** Refusals that mean the session was thrown out, not that the network failed. */
export function isKickCode(code: number): boolean {
  return code === Code.KICKED_DUPLICATE_LOGIN || code === Code.KICKED_BY_BACKEND;
}

type Step = Omit<RoomTransition, 'timers'>;

/** KICKOUT's extendedData, in ZEGO's shape: the business backend's reason, else what the code means. */
export function kickoutExtendedData(code: number, reason = ''): string {
  return JSON.stringify({ custom_kickout_message: reason !== '' ? reason : codeMessage(code) });
}

const kickout = (code: number, reason?: string): Step =>
  gone('KICKOUT', code, kickoutExtendedData(code, reason));

const unchanged = (state: RoomState): Step => ({ state, emits: [], effects: [] });

function to(
  phase: RoomPhase,
  reason: RoomStateChangedReason,
  errorCode: number,
  extendedData = '',
  effects: RoomEffect[] = [],
): Step {
  return { state: { phase, reason }, emits: [{ reason, errorCode, extendedData }], effects };
}

/** Leaving the room for good: whatever was waiting for it is settled with `code`. */
function gone(reason: RoomStateChangedReason, code: number, ext = '', dropCode = code): Step {
  return to('idle', reason, code, ext, [{ kind: 'drop', code: dropCode }]);
}

export function transition(state: RoomState, input: RoomInput): RoomTransition {
  const step = next(state, input);
  return { ...step, timers: timersBetween(state.phase, step.state.phase) };
}

/** The timers follow the phase: the reconnect window lives exactly as long as RECONNECTING. */
function timersBetween(from: RoomPhase, to: RoomPhase): TimerEffect[] {
  if (from === to) return [];
  const timers: TimerEffect[] = [];
  if (from === 'reconnecting') timers.push({ kind: 'clearWindow' });
  if (to === 'reconnecting') timers.push({ kind: 'armWindow' });
  if (to === 'idle') timers.push({ kind: 'forget' });
  return timers;
}

function next(state: RoomState, input: RoomInput): Step {
  switch (state.phase) {
    case 'idle':
      if (input.type === 'loginCalled') return to('logining', 'LOGINING', Code.OK);
      // LOGOUT_FAILED reports a refused call; the room's state is unchanged by it.
      if (input.type === 'logoutCalled' && input.multiRoom) {
        return {
          state,
          emits: [{ reason: 'LOGOUT_FAILED', errorCode: Code.ROOM_NOT_LOGGED_IN, extendedData: '' }],
          effects: [],
        };
      }
      return unchanged(state);

    case 'logining':
      switch (input.type) {
        case 'loginSucceeded':
          return to('logined', 'LOGINED', Code.OK);
        case 'loginFailed':
          return to('idle', 'LOGIN_FAILED', input.code, input.ext ?? '');
        // A login answers with exactly one of LOGINED / LOGIN_FAILED, so a kick before the
        // reply fails the login rather than emitting KICKOUT.
        case 'kicked':
          return to('idle', 'LOGIN_FAILED', input.code, input.ext ?? '');
        case 'logoutCalled':
          return to('idle', 'LOGOUT', Code.OK);
        default:
          // linkLost: the login keeps trying until its own deadline.
          return unchanged(state);
      }

    case 'logined':
      switch (input.type) {
        case 'linkLost':
          return to('reconnecting', 'RECONNECTING', Code.CONNECTION_INTERRUPTED);
        case 'kicked':
          return kickout(input.code, input.ext);
        case 'logoutCalled':
          return gone('LOGOUT', Code.OK, '', Code.NOT_LOGGED_IN);
        default:
          return unchanged(state);
      }

    case 'reconnecting':
      switch (input.type) {
        case 'recovered':
          return to('logined', 'RECONNECTED', Code.OK, JSON.stringify({ recovered: input.recovered }), [
            { kind: 'flush' },
          ]);
        case 'reconnectRefused':
          return isKickCode(input.code)
            ? kickout(input.code, input.ext)
            : gone('RECONNECT_FAILED', input.code, input.ext ?? '');
        case 'windowExpired':
          return gone('RECONNECT_FAILED', Code.NETWORK_BROKEN, input.ext ?? '');
        case 'kicked':
          return kickout(input.code, input.ext);
        case 'logoutCalled':
          return gone('LOGOUT', Code.OK, '', Code.NOT_LOGGED_IN);
        default:
          return unchanged(state);
      }
  }
}
