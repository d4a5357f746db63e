// Wiring: the login form, one RoomEngine for the page, a panel per room, the event log, the
// network buttons and the admin view.

import { codeMessage, TERMINAL_REASONS, type ZegoUser } from '@atrium/protocol';
import { RoomEngine } from '@atrium/sdk';
import { AdminView } from './admin.js';
import { fetchDevToken, httpBase, pageWsUrl } from './dev.js';
import { byId, outcome } from './dom.js';
import { EventLog } from './log.js';
import { NetworkControls } from './network.js';
import { RoomPanel } from './room-panel.js';

/** The stylesheet's one-column breakpoint: a phone. */
const narrow = matchMedia('(max-width: 760px)');
const layout = () => (narrow.matches ? 'tall' : 'wide');

const field = {
  ws: byId('ws-url', HTMLInputElement),
  appID: byId('app-id', HTMLInputElement),
  userID: byId('user-id', HTMLInputElement),
  userName: byId('user-name', HTMLInputElement),
  roomID: byId('room-id', HTMLInputElement),
  token: byId('token', HTMLTextAreaElement),
  multi: byId('multi-room', HTMLInputElement),
  loginTimeoutMs: byId('login-timeout', HTMLInputElement),
  reconnectWindowMs: byId('reconnect-window', HTMLInputElement),
};
const identity = [
  field.ws,
  field.appID,
  field.userID,
  field.userName,
  field.multi,
  field.loginTimeoutMs,
  field.reconnectWindowMs,
];
const ui = {
  loginCard: byId('login-card', HTMLDetailsElement),
  loginForm: byId('login-form', HTMLFormElement),
  switchButton: byId('switch-button', HTMLButtonElement),
  destroyButton: byId('destroy-button', HTMLButtonElement),
  loginError: byId('login-error', HTMLElement),
  addRoomForm: byId('add-room-form', HTMLFormElement),
  addRoomID: byId('add-room-id', HTMLInputElement),
  addRoomButton: byId('add-room-button', HTMLButtonElement),
  rooms: byId('rooms', HTMLElement),
  mode: byId('mode', HTMLElement),
  appShown: byId('app-id-shown', HTMLElement),
  version: byId('version', HTMLElement),
};

const log = new EventLog(byId('log', HTMLOListElement));
const network = new NetworkControls(log);
const admin = new AdminView(byId('admin', HTMLElement), {
  base: () => httpBase(field.ws.value),
  appID: () => appID(),
  log,
});
const panels = new Map<string, RoomPanel>();
let engine: RoomEngine | null = null;
let self: ZegoUser = { userID: '' };
let devMode = false;
/** Settles once the server has said whether it is in development mode; a login waits for it. */
let devProbe: Promise<void> = Promise.resolve();

function appID(): number | undefined {
  const n = Number(field.appID.value);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function showAppID(id: number | undefined): void {
  ui.appShown.textContent = id === undefined ? '' : `appID ${id}`;
}

/**
 * The development server's app fills an empty appID field; an appID the user typed is kept, and
 * a mismatch is said out loud (its /dev/token tokens are for the server's app, so such a login
 * would fail with 1002033).
 */
function adoptDevApp(devAppID: number): void {
  const typed = appID();
  if (field.appID.value.trim() === '' || typed === devAppID) {
    field.appID.value = String(devAppID);
    showAppID(devAppID);
  } else {
    log.note(
      `appID ${typed ?? field.appID.value} is not this development server's app (${devAppID}); its tokens are for ${devAppID}`,
      true,
    );
  }
}

/** A token for a room: the pasted one, else (development mode) one from /dev/token. */
async function tokenFor(roomID: string): Promise<string> {
  const pasted = field.token.value.trim();
  if (pasted) return pasted;
  await devProbe;
  if (!devMode) throw new Error('paste a token: this server has no /dev/token (not in development mode)');
  const dev = await fetchDevToken(httpBase(field.ws.value), field.userID.value, roomID);
  if (!dev) throw new Error('/dev/token is gone: paste a token');
  adoptDevApp(dev.appID);
  return dev.token;
}

function panelFor(roomID: string, owner: RoomEngine): RoomPanel {
  const existing = panels.get(roomID);
  if (existing) return existing;
  const panel = new RoomPanel({ roomID, engine: owner, self, log, layout: layout(), onClose: closePanel });
  panels.set(roomID, panel);
  ui.rooms.querySelector('.empty')?.remove();
  ui.rooms.append(panel.element);
  admin.watch(roomID);
  return panel;
}

function closePanel(roomID: string): void {
  panels.get(roomID)?.element.remove();
  panels.delete(roomID);
}

function createEngine(id: number): RoomEngine {
  // Panels of a destroyed engine would act on it: a new engine starts with none.
  for (const roomID of [...panels.keys()]) closePanel(roomID);
  const created = new RoomEngine(id, field.ws.value, {
    loginTimeoutMs: Number(field.loginTimeoutMs.value) || undefined,
    reconnectWindowMs: Number(field.reconnectWindowMs.value) || undefined,
  });
  if (field.multi.checked && !created.enableMultiRoom(true)) log.note('enableMultiRoom(true) → false', true);
  self = { userID: field.userID.value, userName: field.userName.value || undefined };
  wire(created);
  network.attach(created);
  ui.version.textContent = `SDK ${created.getVersion()}`;
  for (const input of identity) input.disabled = true;
  // On a phone the form would push the rooms off screen; it stays one tap away.
  if (narrow.matches) ui.loginCard.open = false;
  return created;
}

/** Every one of the thirteen callbacks goes to the log, and the room's own ones to its panel. */
function wire(e: RoomEngine): void {
  e.on('roomStateChanged', (roomID, reason, errorCode, extendedData) => {
    log.event('roomStateChanged', [roomID, reason, errorCode, extendedData]);
    panelFor(roomID, e).stateChanged(reason, errorCode, extendedData);
    updateButtons();
  });
  e.on('roomStateUpdate', (roomID, state, errorCode, extendedData) =>
    log.event('roomStateUpdate', [roomID, state, errorCode, extendedData]),
  );
  e.on('roomUserUpdate', (roomID, updateType, userList) => {
    log.event('roomUserUpdate', [roomID, updateType, userList]);
    panels.get(roomID)?.userUpdate(updateType, userList);
    admin.refreshSoon();
  });
  e.on('roomOnlineUserCountUpdate', (roomID, count) => {
    log.event('roomOnlineUserCountUpdate', [roomID, count]);
    panels.get(roomID)?.onlineCount(count);
  });
  e.on('roomStreamUpdate', (roomID, updateType, streamList, extendedData) => {
    log.event('roomStreamUpdate', [roomID, updateType, streamList, extendedData]);
    panels.get(roomID)?.streamUpdate(updateType, streamList);
    admin.refreshSoon();
  });
  e.on('streamExtraInfoUpdate', (roomID, streamList) => {
    log.event('streamExtraInfoUpdate', [roomID, streamList]);
    panels.get(roomID)?.streamExtraInfo(streamList);
  });
  e.on('roomExtraInfoUpdate', (roomID, list) => {
    log.event('roomExtraInfoUpdate', [roomID, list]);
    panels.get(roomID)?.extraInfo(list);
  });
  e.on('IMRecvBroadcastMessage', (roomID, messages) => {
    log.event('IMRecvBroadcastMessage', [roomID, messages]);
    panels.get(roomID)?.broadcast(messages);
  });
  e.on('IMRecvBarrageMessage', (roomID, messages) => {
    log.event('IMRecvBarrageMessage', [roomID, messages]);
    panels.get(roomID)?.barrage(messages);
  });
  e.on('IMRecvCustomCommand', (roomID, fromUser, command) => {
    log.event('IMRecvCustomCommand', [roomID, fromUser, command]);
    panels.get(roomID)?.command(fromUser, command);
  });
  e.on('tokenWillExpire', (roomID) => {
    log.event('tokenWillExpire', [roomID]);
    if (devMode) void renew(e, roomID);
  });
  e.on('recvRoomTransparentMessage', (roomID, message) =>
    log.event('recvRoomTransparentMessage', [
      roomID,
      message.sendUser,
      `${message.content.byteLength} bytes`,
    ]),
  );
  e.on('publisherStateUpdate', (result) => {
    log.event('publisherStateUpdate', [result]);
    for (const panel of panels.values()) panel.publisherState(result);
  });
}

async function renew(e: RoomEngine, roomID: string): Promise<void> {
  const dev = await fetchDevToken(httpBase(field.ws.value), self.userID, roomID).catch(() => null);
  if (dev) log.note(`renewToken(…, "${roomID}") → ${e.renewToken(dev.token, roomID)}`);
}

/** Logs the page's engine in to a room, creating the engine (and its mode) on the first login. */
async function join(roomID: string): Promise<void> {
  ui.loginError.textContent = '';
  try {
    const token = await tokenFor(roomID);
    const id = appID();
    if (id === undefined) throw new Error('appID must be a positive integer');
    engine ??= createEngine(id);
    const current = engine;
    panelFor(roomID, current);
    log.note(`loginRoom("${roomID}", token, ${JSON.stringify(self)}, { userUpdate: true })`);
    const code = await outcome(() => current.loginRoom(roomID, token, self, { userUpdate: true }));
    log.note(`loginRoom("${roomID}") → ${code === 0 ? 'true' : `${code} ${codeMessage(code)}`}`, code !== 0);
  } catch (err) {
    ui.loginError.textContent = err instanceof Error ? err.message : String(err);
  }
}

/** Single-room mode's way across: leave the current room and enter the one in the field. */
async function switchTo(toRoomID: string): Promise<void> {
  const from = [...panels.entries()].find(([, p]) => !TERMINAL_REASONS.has(p.state))?.[0];
  if (!engine || from === undefined) return;
  const current = engine;
  ui.loginError.textContent = '';
  try {
    const token = await tokenFor(toRoomID);
    panelFor(toRoomID, current);
    log.note(`switchRoom("${from}", "${toRoomID}", { token })`);
    const code = await outcome(() => current.switchRoom(from, toRoomID, { token }));
    log.note(`switchRoom → ${code === 0 ? 'true' : `${code} ${codeMessage(code)}`}`, code !== 0);
  } catch (err) {
    ui.loginError.textContent = err instanceof Error ? err.message : String(err);
  }
}

function destroy(): void {
  engine?.destroy();
  log.note('destroy()');
  engine = null;
  network.attach(null);
  for (const input of identity) input.disabled = false;
  updateButtons();
}

function updateButtons(): void {
  const multi = engine !== null && field.multi.checked;
  const inRoom = [...panels.values()].some((p) => !TERMINAL_REASONS.has(p.state));
  ui.addRoomButton.disabled = !multi;
  ui.addRoomButton.title = multi ? '' : 'multi-room mode, chosen before the first login';
  ui.switchButton.disabled = engine === null || field.multi.checked || !inRoom;
  ui.destroyButton.disabled = engine === null;
}

/** Fills the form from the page's location (`?user=…&room=…&multi=1&ws=…`) and asks the server for development mode. */
function init(): void {
  const query = new URLSearchParams(location.search);
  field.ws.value = query.get('ws') ?? pageWsUrl();
  field.userID.value = query.get('user') ?? `user-${Math.random().toString(36).slice(2, 6)}`;
  field.roomID.value = query.get('room') ?? 'lobby';
  field.multi.checked = query.get('multi') === '1';
  ui.loginForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void join(field.roomID.value);
  });
  ui.switchButton.addEventListener('click', () => void switchTo(field.roomID.value));
  ui.destroyButton.addEventListener('click', destroy);
  ui.addRoomForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (ui.addRoomID.value) void join(ui.addRoomID.value);
  });
  byId('log-clear', HTMLButtonElement).addEventListener('click', () => log.clear());
  narrow.addEventListener('change', () => {
    for (const panel of panels.values()) panel.relayout(layout());
  });
  updateButtons();
  devProbe = probeDevMode();
}

async function probeDevMode(): Promise<void> {
  try {
    const dev = await fetchDevToken(httpBase(field.ws.value), field.userID.value, field.roomID.value);
    devMode = dev !== null;
    if (dev) adoptDevApp(dev.appID);
  } catch {
    devMode = false;
  }
  ui.mode.textContent = devMode ? 'development mode' : 'no /dev/token: paste appID and token';
  ui.mode.dataset['dev'] = String(devMode);
  admin.show(devMode);
}

init();
