// The page test/examples/react-hook.test.ts drives: one component using the example's hooks in
// StrictMode, on a real engine. `window.example` lets the test log in and out, change the
// component's roomID and unmount it; the engine's `on` and `off` are counted so the test can see
// that every listener an effect added was taken off again.

import { type RoomEventName, ZegoExpressEngine } from '@atrium/sdk';
import { createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RoomEngineProvider, useRoomState, useRoomUsers } from '../../examples/react/use-room.js';

/** One hook given the engine, the other reading it from the provider: both forms in use. */
function Room({ engine, roomID }: { engine: ZegoExpressEngine; roomID: string }) {
  const { reason, errorCode } = useRoomState(engine, roomID);
  const users = useRoomUsers(roomID);
  return createElement(
    'section',
    { 'data-room': roomID },
    createElement('p', { 'data-testid': 'state' }, `${reason} ${errorCode}`),
    createElement(
      'ul',
      null,
      users.map((u) => createElement('li', { key: u.userID, 'data-testid': 'user' }, u.userID)),
    ),
  );
}

const query = new URLSearchParams(location.search);
const userID = query.get('user') ?? 'ann';
const appID = Number(query.get('appID'));
const tokenFor = async (roomID: string) => {
  const res = await fetch(`/dev/token?userID=${userID}&roomID=${roomID}`);
  return (await res.json()) as { appID: number; token: string };
};
const engine = new ZegoExpressEngine(appID, `${location.origin.replace(/^http/, 'ws')}/ws`, {
  logLevel: 'silent',
});
engine.enableMultiRoom(true);

const listening = new Map<string, number>();
const on = engine.on.bind(engine) as (event: string, cb: unknown) => boolean;
const off = engine.off.bind(engine) as (event: string, cb?: unknown) => boolean;
Object.assign(engine, {
  on(event: RoomEventName, cb: unknown) {
    listening.set(event, (listening.get(event) ?? 0) + 1);
    return on(event, cb);
  },
  off(event: RoomEventName, cb: unknown) {
    listening.set(event, (listening.get(event) ?? 0) - 1);
    return off(event, cb);
  },
});

const root = createRoot(document.getElementById('root') as HTMLElement);
const show = (roomID: string) =>
  root.render(
    createElement(
      StrictMode,
      null,
      createElement(RoomEngineProvider, { value: engine }, createElement(Room, { engine, roomID })),
    ),
  );

Object.assign(window, {
  example: {
    show,
    unmount: () => root.unmount(),
    login: async (roomID: string) => {
      const { token } = await tokenFor(roomID);
      return engine.loginRoom(roomID, token, { userID }, { userUpdate: true });
    },
    logout: (roomID: string) => engine.logoutRoom(roomID),
    listening: () => Object.fromEntries([...listening].filter(([, n]) => n !== 0)),
  },
});
document.body.dataset.ready = 'true';
