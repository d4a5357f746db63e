// React hooks for a room, built on the SDK's events: each subscribes in an effect and
// unsubscribes (`off`) in its cleanup, so a component that unmounts or changes its roomID leaves
// no listener behind (React's StrictMode mounts twice in development to prove it).
//
//   <RoomEngineProvider value={engine}> … </RoomEngineProvider>   (once, near the top)
//   const { reason, errorCode } = useRoomState(roomID);
//   const users = useRoomUsers(roomID); // the others in the room, never the user itself
//
// Or pass the engine yourself: useRoomState(engine, roomID), useRoomUsers(engine, roomID).
//
// The SDK reports members only as they change (after the login, everyone already there arrives
// as one ADD), so mount useRoomUsers before loginRoom, and log in with { userUpdate: true }.

import type { RoomEvents, RoomStateChangedReason, ZegoExpressEngine, ZegoUser } from '@atrium/sdk';
import { createContext, useContext, useEffect, useState } from 'react';

const EngineContext = createContext<ZegoExpressEngine | null>(null);

/** Makes an engine the one the hooks below use when they are given only a roomID. */
export const RoomEngineProvider = EngineContext.Provider;

/** The engine passed, else the provider's; a hook without either is the app's bug. */
function useEngine(given: ZegoExpressEngine | undefined, hook: string): ZegoExpressEngine {
  const provided = useContext(EngineContext);
  const engine = given ?? provided;
  if (engine === null)
    throw new Error(`${hook}: no engine — wrap the app in <RoomEngineProvider value={engine}>`);
  return engine;
}

/** `(roomID)` with the provider's engine, or `(engine, roomID)`. */
function readArgs(
  a: ZegoExpressEngine | string,
  b: string | undefined,
): [ZegoExpressEngine | undefined, string] {
  return typeof a === 'string' ? [undefined, a] : [a, b ?? ''];
}

export interface RoomState {
  reason: RoomStateChangedReason;
  /** Why the room got there: 0 for none, else ZEGO's error code. */
  errorCode: number;
  /** JSON with details (the cause of a failure, `recovered` after a reconnection), or ''. */
  extendedData: string;
}

/** The room's state, as `roomStateChanged` reports it; LOGOUT before the first login. */
export function useRoomState(roomID: string): RoomState;
export function useRoomState(engine: ZegoExpressEngine, roomID: string): RoomState;
export function useRoomState(a: ZegoExpressEngine | string, b?: string): RoomState {
  const [given, roomID] = readArgs(a, b);
  const engine = useEngine(given, 'useRoomState');
  const [state, setState] = useState<RoomState & { roomID: string }>(() => ({
    roomID,
    reason: engine.getRoomState(roomID),
    errorCode: 0,
    extendedData: '',
  }));
  useEffect(() => {
    // The room may have moved on between the render and this effect, or be another room now.
    const reason = engine.getRoomState(roomID);
    setState((s) =>
      s.roomID === roomID && s.reason === reason ? s : { roomID, reason, errorCode: 0, extendedData: '' },
    );
    const onState: RoomEvents['roomStateChanged'] = (room, next, errorCode, extendedData) => {
      if (room === roomID) setState({ roomID, reason: next, errorCode, extendedData });
    };
    engine.on('roomStateChanged', onState);
    return () => {
      engine.off('roomStateChanged', onState);
    };
  }, [engine, roomID]);
  if (state.roomID !== roomID) return { reason: engine.getRoomState(roomID), errorCode: 0, extendedData: '' };
  return state;
}

/** States after which the room's member list no longer holds. */
const LEFT: readonly RoomStateChangedReason[] = ['LOGOUT', 'LOGIN_FAILED', 'RECONNECT_FAILED', 'KICKOUT'];

/** The other users in the room, in the order they arrived. */
export function useRoomUsers(roomID: string): ZegoUser[];
export function useRoomUsers(engine: ZegoExpressEngine, roomID: string): ZegoUser[];
export function useRoomUsers(a: ZegoExpressEngine | string, b?: string): ZegoUser[] {
  const [given, roomID] = readArgs(a, b);
  const engine = useEngine(given, 'useRoomUsers');
  const [users, setUsers] = useState<{ roomID: string; list: ZegoUser[] }>({ roomID, list: [] });
  useEffect(() => {
    setUsers((u) => (u.roomID === roomID ? u : { roomID, list: [] }));
    const onUsers: RoomEvents['roomUserUpdate'] = (room, type, changed) => {
      if (room !== roomID) return;
      setUsers(({ list }) => {
        const ids = new Set(changed.map((user) => user.userID));
        const others = list.filter((user) => !ids.has(user.userID));
        return { roomID, list: type === 'ADD' ? [...others, ...changed] : others };
      });
    };
    const onState: RoomEvents['roomStateChanged'] = (room, reason) => {
      if (room === roomID && LEFT.includes(reason)) setUsers({ roomID, list: [] });
    };
    engine.on('roomUserUpdate', onUsers);
    engine.on('roomStateChanged', onState);
    return () => {
      engine.off('roomUserUpdate', onUsers);
      engine.off('roomStateChanged', onState);
    };
  }, [engine, roomID]);
  return users.roomID === roomID ? users.list : [];
}
