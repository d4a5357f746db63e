// The admin view (development mode only): members and streams of the watched rooms, with Kick
// and Close room. The page cannot hold the server secret, so it calls the development-only
// `POST /dev/admin?Action=…` that the server signs and forwards to its admin API.

import { codeMessage } from '@atrium/protocol';
import { h } from './dom.js';
import type { EventLog } from './log.js';

const REFRESH_DEBOUNCE_MS = 300;

export interface AdminOptions {
  /** The server's HTTP origin ('' for the page's own). */
  base: () => string;
  appID: () => number | undefined;
  log: EventLog;
}

interface AdminReply {
  Code: number;
  Message: string;
  Data: unknown;
}

interface RoomView {
  users: { userID: string; userName: string }[];
  streams: { streamID: string; userID: string }[];
}

class AdminUnavailable extends Error {}

function field(entry: unknown, ...names: string[]): string {
  if (typeof entry !== 'object' || entry === null) return '';
  for (const name of names) {
    const value: unknown = Reflect.get(entry, name);
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  return '';
}

/** `Data.<key>` as a list; the admin API's entries follow ZEGO's capitalised field names. */
function list(data: unknown, key: string): unknown[] {
  const value: unknown = typeof data === 'object' && data !== null ? Reflect.get(data, key) : undefined;
  return Array.isArray(value) ? value : [];
}

export class AdminView {
  private readonly rooms = new Set<string>();
  private readonly cards = h('div', { class: 'admin-rooms' });
  private readonly error = h('p', { class: 'error', 'data-testid': 'admin-error', role: 'status' });
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Set by a 404: room events stop triggering requests until Refresh is pressed. */
  private unavailable = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly options: AdminOptions,
  ) {
    const room = h('input', {
      'data-testid': 'admin-room-id',
      placeholder: 'room ID',
      'aria-label': 'room ID to watch',
    });
    const form = h(
      'form',
      { class: 'row' },
      room,
      h('button', { type: 'submit', 'data-testid': 'admin-watch' }, 'Watch'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (room.value) this.watch(room.value);
      room.value = '';
    });
    const refresh = h('button', { type: 'button', 'data-testid': 'admin-refresh' }, 'Refresh');
    refresh.addEventListener('click', () => {
      this.unavailable = false;
      void this.refresh();
    });
    root.replaceChildren(
      h('header', {}, h('h2', {}, 'Admin'), h('small', {}, 'development mode: /dev/admin'), refresh),
      form,
      this.error,
      this.cards,
    );
  }

  show(visible: boolean): void {
    this.root.hidden = !visible;
  }

  watch(roomID: string): void {
    this.rooms.add(roomID);
    this.refreshSoon();
  }

  /** Refreshes shortly, so a burst of room events costs one round of requests. */
  refreshSoon(): void {
    if (this.root.hidden || this.unavailable) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  async refresh(): Promise<void> {
    clearTimeout(this.timer);
    try {
      const views = await Promise.all(
        [...this.rooms].map(async (roomID) => [roomID, await this.describeOrWhy(roomID)] as const),
      );
      this.cards.replaceChildren(...views.map(([roomID, view]) => this.card(roomID, view)));
      this.error.textContent = '';
    } catch (err) {
      this.fail(err);
    }
  }

  /** A room's view, or why it could not be had; only a missing admin API fails the whole refresh. */
  private async describeOrWhy(roomID: string): Promise<RoomView | string> {
    try {
      return await this.describe(roomID);
    } catch (err) {
      if (err instanceof AdminUnavailable) throw err;
      return err instanceof Error ? err.message : String(err);
    }
  }

  private async describe(roomID: string): Promise<RoomView> {
    const [users, streams] = await Promise.all([
      this.call('DescribeUserList', roomID),
      this.call('DescribeSimpleStreamList', roomID),
    ]);
    return {
      users: list(users, 'UserList').map((u) => ({
        userID: field(u, 'UserId', 'UserID', 'userID'),
        userName: field(u, 'UserName', 'userName'),
      })),
      streams: list(streams, 'StreamList').map((s) => ({
        streamID: field(s, 'StreamId', 'StreamID', 'streamID'),
        userID: field(s, 'UserId', 'UserID', 'userID'),
      })),
    };
  }

  private card(roomID: string, view: RoomView | string): HTMLElement {
    const close = this.action('Close room', 'admin-close', () => this.call('CloseRoom', roomID));
    const forget = h(
      'button',
      { type: 'button', class: 'close', title: 'stop watching', 'aria-label': 'stop watching' },
      '×',
    );
    forget.addEventListener('click', () => {
      this.rooms.delete(roomID);
      void this.refresh();
    });
    const head = h('header', {}, h('h3', {}, roomID), close, forget);
    const section = h('section', { class: 'admin-room', 'data-testid': `admin-room-${roomID}` }, head);
    if (typeof view === 'string') {
      section.append(h('p', { class: 'error' }, view));
      return section;
    }
    const members = view.users.map((u) =>
      h(
        'li',
        { 'data-testid': `admin-member-${u.userID}` },
        u.userID,
        u.userName && u.userName !== u.userID ? h('small', {}, ` ${u.userName}`) : '',
        this.action('Kick', `admin-kick-${u.userID}`, () => this.call('KickoutUser', roomID, u.userID)),
      ),
    );
    const streams = view.streams.map((s) =>
      h('li', { 'data-testid': `admin-stream-${s.streamID}` }, s.streamID, h('small', {}, ` by ${s.userID}`)),
    );
    section.append(
      h('h4', {}, `Members (${view.users.length})`),
      h('ul', { class: 'list' }, ...(members.length ? members : [h('li', { class: 'empty' }, 'none')])),
      h('h4', {}, `Streams (${view.streams.length})`),
      h('ul', { class: 'list' }, ...(streams.length ? streams : [h('li', { class: 'empty' }, 'none')])),
    );
    return section;
  }

  private action(label: string, testid: string, call: () => Promise<unknown>): HTMLButtonElement {
    const button = h('button', { type: 'button', 'data-testid': testid }, label);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await call();
        await this.refresh();
      } catch (err) {
        this.fail(err);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  /** One admin action; resolves with `Data`, throws with the reply's code and message otherwise. */
  private async call(action: string, roomID: string, userID?: string): Promise<unknown> {
    const params: Record<string, unknown> = { RoomId: roomID };
    if (userID !== undefined) params.UserId = [userID];
    const appID = this.options.appID();
    if (appID !== undefined) params.AppId = String(appID);
    // JSON only: the server refuses any other body at /dev/admin, so no other site's form can post one.
    const res = await fetch(`${this.options.base()}/dev/admin?${new URLSearchParams({ Action: action })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    if (res.status === 404)
      throw new AdminUnavailable('admin API not available (the server has no /dev/admin)');
    const text = await res.text();
    const reply = this.parse(text);
    if (!reply) throw new Error(`${action}: HTTP ${res.status} ${text.slice(0, 200)}`);
    if (reply.Code !== 0)
      throw new Error(`${action}: ${reply.Code} ${reply.Message || codeMessage(reply.Code)}`);
    if (action !== 'DescribeUserList' && action !== 'DescribeSimpleStreamList') {
      this.options.log.note(`admin ${action} ${roomID}${userID ? ` ${userID}` : ''} → ok`);
    }
    return reply.Data;
  }

  private parse(text: string): AdminReply | null {
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body !== 'object' || body === null) return null;
      const code: unknown = Reflect.get(body, 'Code');
      if (typeof code !== 'number') return null;
      return { Code: code, Message: field(body, 'Message'), Data: Reflect.get(body, 'Data') };
    } catch {
      return null;
    }
  }

  private fail(err: unknown): void {
    const text = err instanceof Error ? err.message : String(err);
    this.error.textContent = text;
    this.unavailable = err instanceof AdminUnavailable;
    this.error.dataset['unavailable'] = String(this.unavailable);
    this.options.log.note(`admin: ${text}`, true);
  }
}
