// One room of the engine: its state diagram and current reason, members, online count,
// streams, room extra info and chat. Test ids inside a panel are scoped by the panel's
// `room-<roomID>`; the state, code, member list and count also carry the roomID themselves.

import {
  type BroadcastMessageInfo,
  codeMessage,
  type RoomExtraInfo,
  type RoomStateChangedReason,
  type StreamInfo,
  TERMINAL_REASONS,
  type ZegoUser,
} from '@atrium/protocol';
import type { PublisherState, RoomEngine } from '@atrium/sdk';
import { RoomChat } from './chat.js';
import { type LayoutName, reasonTone, StateDiagram } from './diagram.js';
import { h, outcome } from './dom.js';
import { clock, type EventLog } from './log.js';

const HISTORY_SIZE = 8;

export interface RoomPanelOptions {
  roomID: string;
  engine: RoomEngine;
  self: ZegoUser;
  log: EventLog;
  /** The diagram's shape: 'tall' fits a phone. */
  layout: LayoutName;
  /** The panel was closed by its × button (after logging out of the room if still in it). */
  onClose: (roomID: string) => void;
}

export class RoomPanel {
  readonly element: HTMLElement;
  private readonly roomID: string;
  private readonly engine: RoomEngine;
  private readonly self: ZegoUser;
  private readonly log: EventLog;
  private readonly diagram: StateDiagram;
  private readonly chat: RoomChat;
  private reason: RoomStateChangedReason = 'LOGOUT';
  private readonly users = new Map<string, ZegoUser>();
  private readonly streams = new Map<string, StreamInfo>();
  private readonly myStreams = new Set<string>();
  private readonly extras = new Map<string, RoomExtraInfo>();
  private readonly ui = {
    state: h('strong', {}),
    code: h('code', {}),
    meaning: h('span', { class: 'meaning' }),
    ext: h('code', { class: 'ext' }),
    history: h('ol', { class: 'history' }),
    count: h('span', { class: 'count', title: 'online members' }, '–'),
    members: h('ul', { class: 'list' }),
    streams: h('ul', { class: 'list' }),
    extras: h('ul', { class: 'list' }),
    error: h('p', { class: 'error', 'data-testid': 'room-error', role: 'status' }),
    logout: h('button', { type: 'button', 'data-testid': 'logout-button' }, 'Log out'),
  };

  constructor(options: RoomPanelOptions) {
    const { roomID, engine, self } = options;
    this.roomID = roomID;
    this.engine = engine;
    this.self = self;
    this.log = options.log;
    this.diagram = new StateDiagram(`room ${roomID} state`, options.layout);
    this.chat = new RoomChat(roomID, self, {
      broadcast: (text) =>
        this.run(`sendBroadcastMessage("${text}")`, () => engine.sendBroadcastMessage(roomID, text)),
      barrage: (text) =>
        this.run(`sendBarrageMessage("${text}")`, () => engine.sendBarrageMessage(roomID, text)),
      command: (text, to) =>
        this.run(`sendCustomCommand("${text}", [${to}])`, () => engine.sendCustomCommand(roomID, text, [to])),
    });
    const { ui } = this;
    ui.state.dataset['testid'] = `state-${roomID}`;
    ui.code.dataset['testid'] = `code-${roomID}`;
    ui.history.dataset['testid'] = `transitions-${roomID}`;
    ui.count.dataset['testid'] = `count-${roomID}`;
    ui.members.dataset['testid'] = `members-${roomID}`;
    ui.logout.addEventListener('click', () => void this.run('logoutRoom', () => engine.logoutRoom(roomID)));
    const close = h(
      'button',
      {
        type: 'button',
        class: 'close',
        'data-testid': 'close-button',
        title: 'close this panel',
        'aria-label': 'close',
      },
      '×',
    );
    close.addEventListener('click', async () => {
      if (!TERMINAL_REASONS.has(this.reason)) await this.run('logoutRoom', () => engine.logoutRoom(roomID));
      options.onClose(roomID);
    });

    this.element = h(
      'article',
      { class: 'room', 'data-testid': `room-${roomID}`, 'data-tone': 'idle' },
      h(
        'header',
        {},
        h('h2', {}, roomID),
        h('span', { class: 'me' }, `as ${self.userID}`),
        ui.count,
        ui.logout,
        close,
      ),
      this.diagram.element,
      h(
        'p',
        { class: 'state', 'data-testid': 'state-line' },
        ui.state,
        ' ',
        ui.code,
        ' ',
        ui.meaning,
        ' ',
        ui.ext,
      ),
      ui.history,
      ui.error,
      h(
        'div',
        { class: 'sections' },
        h('section', { class: 'section' }, h('h3', {}, 'Members'), ui.members),
        this.streamSection(),
        this.extraSection(),
      ),
      this.chat.element,
    );
    this.render();
  }

  relayout(layout: LayoutName): void {
    this.diagram.relayout(layout);
  }

  get state(): RoomStateChangedReason {
    return this.reason;
  }

  stateChanged(reason: RoomStateChangedReason, errorCode: number, extendedData: string): void {
    if (reason === 'LOGINING') this.reset();
    const from = this.reason;
    this.reason = reason;
    this.diagram.transition(reason, errorCode);
    const { ui } = this;
    ui.state.textContent = reason;
    ui.code.textContent = String(errorCode);
    ui.meaning.textContent = codeMessage(errorCode);
    ui.ext.textContent = readableExt(extendedData);
    this.element.dataset['tone'] = reasonTone(reason);
    const ended = TERMINAL_REASONS.has(reason);
    this.element.dataset['ended'] = String(ended);
    ui.logout.disabled = ended;
    // After a kick, a failed login or a logout there is no room to send to.
    this.chat.enable(!ended && reason !== 'LOGINING');
    const item = h(
      'li',
      { 'data-testid': 'transition', 'data-reason': reason, 'data-code': errorCode },
      h('time', {}, clock(Date.now())),
      ` ${from} → ${reason}`,
      errorCode === 0 ? '' : ` ${errorCode} ${codeMessage(errorCode)}`,
    );
    ui.history.prepend(item);
    while (ui.history.childElementCount > HISTORY_SIZE) ui.history.lastElementChild?.remove();
  }

  userUpdate(type: 'ADD' | 'DELETE', users: readonly ZegoUser[]): void {
    for (const u of users) {
      if (type === 'ADD') this.users.set(u.userID, u);
      else this.users.delete(u.userID);
    }
    this.renderMembers();
  }

  onlineCount(count: number): void {
    this.ui.count.textContent = String(count);
  }

  streamUpdate(type: 'ADD' | 'DELETE', streams: readonly StreamInfo[]): void {
    for (const s of streams) {
      if (type === 'ADD') this.streams.set(s.streamID, s);
      else this.streams.delete(s.streamID);
    }
    this.renderStreams();
  }

  streamExtraInfo(streams: readonly StreamInfo[]): void {
    for (const s of streams) if (this.streams.has(s.streamID)) this.streams.set(s.streamID, s);
    this.renderStreams();
  }

  /** A stream of ours the server refused is not ours after all; its code is shown as an error. */
  publisherState(result: PublisherState): void {
    if (result.state !== 'NO_PUBLISH' || !this.myStreams.has(result.streamID)) return;
    if (result.errorCode !== 0) {
      this.ui.error.textContent = `startPublishingStream("${result.streamID}"): ${result.errorCode} ${codeMessage(result.errorCode)}`;
    }
    this.myStreams.delete(result.streamID);
    this.renderStreams();
  }

  extraInfo(list: readonly RoomExtraInfo[]): void {
    for (const info of list) this.extras.set(info.key, info);
    this.renderExtras();
  }

  broadcast(messages: readonly BroadcastMessageInfo[]): void {
    this.chat.received('broadcast', messages);
  }

  barrage(messages: readonly BroadcastMessageInfo[]): void {
    this.chat.received('barrage', messages);
  }

  command(fromUser: ZegoUser, command: string): void {
    this.chat.command(fromUser, command);
  }

  /** A fresh login gets fresh snapshots, so what the last session was told is dropped. */
  private reset(): void {
    this.users.clear();
    this.streams.clear();
    this.myStreams.clear();
    this.extras.clear();
    this.ui.count.textContent = '–';
    this.ui.error.textContent = '';
    this.render();
  }

  /** Calls an engine method, logs it, and shows a failure's code and meaning on the panel. */
  private async run(label: string, call: () => Promise<unknown>): Promise<boolean> {
    const code = await outcome(call);
    const text = code === 0 ? 'ok' : code === -1 ? 'failed' : `${code} ${codeMessage(code)}`;
    this.log.note(`${this.roomID}: ${label} → ${text}`, code !== 0);
    this.ui.error.textContent = code === 0 ? '' : `${label}: ${text}`;
    return code === 0;
  }

  private streamSection(): HTMLElement {
    const id = h('input', {
      'data-testid': 'stream-id',
      placeholder: 'stream ID',
      'aria-label': 'stream ID',
      maxlength: 256,
    });
    const form = h(
      'form',
      { class: 'row' },
      id,
      h('button', { type: 'submit', 'data-testid': 'publish-button' }, 'Publish'),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const streamID = id.value.trim();
      if (!streamID) return;
      // ZEGO's call shape: the media stream (none here: signalling only), then the options.
      const ok = await this.run(`startPublishingStream("${streamID}")`, async () =>
        this.engine.startPublishingStream(streamID, undefined, { roomID: this.roomID }),
      );
      if (!ok) return;
      this.myStreams.add(streamID);
      id.value = '';
      this.renderStreams();
    });
    return h('section', { class: 'section' }, h('h3', {}, 'Streams'), this.ui.streams, form);
  }

  private extraSection(): HTMLElement {
    const key = h('input', { 'data-testid': 'extra-key', placeholder: 'key', 'aria-label': 'key', size: 6 });
    const value = h('input', { 'data-testid': 'extra-value', placeholder: 'value', 'aria-label': 'value' });
    const form = h(
      'form',
      { class: 'row' },
      key,
      value,
      h('button', { type: 'submit', 'data-testid': 'extra-set' }, 'Set'),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const [k, v] = [key.value, value.value];
      const ok = await this.run(`setRoomExtraInfo("${k}", "${v}")`, () =>
        this.engine.setRoomExtraInfo(this.roomID, k, v),
      );
      // The setter is not told of its own change (it is the "updating user"), so record it here.
      if (ok) this.extraInfo([{ key: k, value: v, updateUser: this.self, updateTime: Date.now() }]);
    });
    return h('section', { class: 'section' }, h('h3', {}, 'Room extra info'), this.ui.extras, form);
  }

  private render(): void {
    this.renderMembers();
    this.renderStreams();
    this.renderExtras();
  }

  private renderMembers(): void {
    const users = [...this.users.values()];
    this.ui.members.replaceChildren(
      ...users.map((u) =>
        h(
          'li',
          { 'data-testid': `member-${u.userID}` },
          u.userID,
          u.userName && u.userName !== u.userID ? h('small', {}, ` ${u.userName}`) : '',
        ),
      ),
    );
    if (users.length === 0) this.ui.members.append(h('li', { class: 'empty' }, 'nobody else'));
    this.chat.members(users);
  }

  private renderStreams(): void {
    const rows = [...this.streams.values()].map((s) =>
      h(
        'li',
        { 'data-testid': `stream-${s.streamID}` },
        s.streamID,
        h('small', {}, ` by ${s.user.userID}${s.extraInfo ? ` · ${s.extraInfo}` : ''}`),
      ),
    );
    for (const streamID of this.myStreams) {
      const stop = h('button', { type: 'button', 'data-testid': `stop-stream-${streamID}` }, 'Stop');
      stop.addEventListener('click', async () => {
        if (
          !(await this.run(`stopPublishingStream("${streamID}")`, async () =>
            this.engine.stopPublishingStream(streamID),
          ))
        )
          return;
        this.myStreams.delete(streamID);
        this.renderStreams();
      });
      rows.push(
        h(
          'li',
          { 'data-testid': `stream-${streamID}`, 'data-mine': 'true' },
          streamID,
          h('small', {}, ' mine '),
          stop,
        ),
      );
    }
    this.ui.streams.replaceChildren(...rows);
    if (rows.length === 0) this.ui.streams.append(h('li', { class: 'empty' }, 'none'));
  }

  private renderExtras(): void {
    const rows = [...this.extras.values()].map((x) =>
      h(
        'li',
        { 'data-testid': `extra-${x.key}` },
        h('b', {}, x.key),
        ` = ${x.value}`,
        h('small', {}, ` ${x.updateUser.userID} ${clock(x.updateTime)}`),
      ),
    );
    this.ui.extras.replaceChildren(...rows);
    if (rows.length === 0) this.ui.extras.append(h('li', { class: 'empty' }, 'none'));
  }
}

/**
 * extendedData as a person reads it: ZEGO's JSON shapes (`{"custom_kickout_message": …}`,
 * `{"recovered": …}`) turned into words, anything else as it came.
 */
export function readableExt(extendedData: string): string {
  let value: unknown;
  try {
    value = JSON.parse(extendedData);
  } catch {
    return extendedData;
  }
  if (typeof value !== 'object' || value === null) return extendedData;
  const v = value as { custom_kickout_message?: unknown; recovered?: unknown };
  if (typeof v.custom_kickout_message === 'string') return `reason: ${v.custom_kickout_message}`;
  if (typeof v.recovered === 'boolean') {
    return v.recovered ? 'session resumed, nothing missed' : 'session rebuilt from a fresh snapshot';
  }
  return extendedData;
}
