// fast-check drives random input sequences through the room machine and checks the contract's
// (docs/contract.md) invariants on the reasons it emits.
import { Code, type RoomStateChangedReason, TERMINAL_REASONS } from '@atrium/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INITIAL_ROOM_STATE, type RoomInput, transition } from '../src/room.js';

const code = fc.constantFrom(
  Code.TOKEN_WRONG,
  Code.TOKEN_EXPIRED,
  Code.ROOM_FULL,
  Code.NETWORK_BROKEN,
  Code.KICKED_DUPLICATE_LOGIN,
  Code.KICKED_BY_BACKEND,
);

const input: fc.Arbitrary<RoomInput> = fc.oneof(
  fc.constant({ type: 'loginCalled' } as const),
  fc.constant({ type: 'loginSucceeded' } as const),
  code.map((c) => ({ type: 'loginFailed', code: c }) as const),
  fc.constant({ type: 'linkLost' } as const),
  fc.boolean().map((recovered) => ({ type: 'recovered', recovered }) as const),
  code.map((c) => ({ type: 'reconnectRefused', code: c }) as const),
  fc.constant({ type: 'windowExpired' } as const),
  code.map((c) => ({ type: 'kicked', code: c }) as const),
  fc.boolean().map((multiRoom) => ({ type: 'logoutCalled', multiRoom }) as const),
);

/** Legal successors of each reason (LOGOUT_FAILED is outside the sequence: it changes no state). */
const NEXT: Record<RoomStateChangedReason, readonly RoomStateChangedReason[]> = {
  LOGINING: ['LOGINED', 'LOGIN_FAILED', 'LOGOUT'],
  LOGINED: ['RECONNECTING', 'KICKOUT', 'LOGOUT'],
  RECONNECTING: ['RECONNECTED', 'RECONNECT_FAILED', 'KICKOUT', 'LOGOUT'],
  RECONNECTED: ['RECONNECTING', 'KICKOUT', 'LOGOUT'],
  LOGIN_FAILED: ['LOGINING'],
  RECONNECT_FAILED: ['LOGINING'],
  KICKOUT: ['LOGINING'],
  LOGOUT: ['LOGINING'],
  LOGOUT_FAILED: [],
};

describe('room state machine invariants (fast-check)', () => {
  it('holds invariants 1 and 2 of the contract over random input sequences', () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 60 }), (inputs) => {
        let state = INITIAL_ROOM_STATE;
        let previous: RoomStateChangedReason = 'LOGOUT';
        for (const step of inputs) {
          const t = transition(state, step);
          expect(t.emits.length).toBeLessThanOrEqual(1);
          for (const emit of t.emits) {
            if (emit.reason === 'LOGOUT_FAILED') {
              // Only for a room not logged in, and only in multi-room mode.
              expect(state.phase).toBe('idle');
              expect(step).toEqual({ type: 'logoutCalled', multiRoom: true });
              continue;
            }
            expect(NEXT[previous]).toContain(emit.reason);
            // Only the app's login call leaves a terminal reason (invariant 2: never by itself).
            if (TERMINAL_REASONS.has(previous)) expect(step.type).toBe('loginCalled');
            if (emit.reason === 'RECONNECTED') expect(['recovered']).toContain(step.type);
            previous = emit.reason;
          }
          state = t.state;
          expect(state.reason).toBe(previous);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('codes match the reasons: 0 for LOGINING / LOGINED / RECONNECTED / LOGOUT, 1002051 for RECONNECTING', () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40 }), (inputs) => {
        let state = INITIAL_ROOM_STATE;
        for (const step of inputs) {
          const t = transition(state, step);
          for (const emit of t.emits) {
            if (['LOGINING', 'LOGINED', 'RECONNECTED', 'LOGOUT'].includes(emit.reason)) {
              expect(emit.errorCode).toBe(Code.OK);
            } else if (emit.reason === 'RECONNECTING') {
              expect(emit.errorCode).toBe(Code.CONNECTION_INTERRUPTED);
            } else expect(emit.errorCode).not.toBe(Code.OK);
          }
          state = t.state;
        }
      }),
    );
  });

  it('arms the reconnect window on RECONNECTING and clears it on leaving, once each; forgets a room it leaves', () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 60 }), (inputs) => {
        let state = INITIAL_ROOM_STATE;
        // A model of the shell's timers: is the reconnect window armed?
        let armed = false;
        for (const step of inputs) {
          const t = transition(state, step);
          const kinds = t.timers.map((timer) => timer.kind);
          for (const kind of kinds) {
            if (kind === 'armWindow') expect(armed).toBe(false);
            if (kind === 'clearWindow') expect(armed).toBe(true);
            if (kind !== 'forget') armed = kind === 'armWindow';
          }
          // The window lives exactly as long as the room is reconnecting: no timer leaks, none missing.
          expect(armed).toBe(t.state.phase === 'reconnecting');
          // Leaving the room (to idle) forgets it, once; staying or joining does not.
          const left = state.phase !== 'idle' && t.state.phase === 'idle';
          expect(kinds.filter((k) => k === 'forget')).toHaveLength(left ? 1 : 0);
          // Nothing changes with the phase unchanged.
          if (state.phase === t.state.phase) expect(kinds).toEqual([]);
          state = t.state;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
