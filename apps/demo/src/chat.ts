// A room's messages: broadcast (reliable), barrage (best effort) and custom commands to one
// chosen member, with what this page sent shown beside what it received.

import type { BroadcastMessageInfo, ZegoUser } from '@atrium/protocol';
import { h } from './dom.js';
import { clock } from './log.js';

export type MessageKind = 'broadcast' | 'barrage' | 'command';

export interface ChatSend {
  broadcast(text: string): Promise<boolean>;
  barrage(text: string): Promise<boolean>;
  command(text: string, toUserID: string): Promise<boolean>;
}

export class RoomChat {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly input: HTMLInputElement;
  private readonly target: HTMLSelectElement;
  private readonly fieldset: HTMLFieldSetElement;

  constructor(
    roomID: string,
    private readonly self: ZegoUser,
    send: ChatSend,
  ) {
    this.list = h('ol', { class: 'chat', 'data-testid': `chat-${roomID}`, 'aria-live': 'polite' });
    this.input = h('input', {
      'data-testid': 'chat-input',
      placeholder: 'message',
      maxlength: 1024,
      'aria-label': 'message',
    });
    this.target = h('select', { 'data-testid': 'command-to', 'aria-label': 'command recipient' });
    const submit = (kind: MessageKind) => async () => {
      const text = this.input.value;
      if (!text) return;
      const to = this.target.value;
      const sent =
        kind === 'command'
          ? await send.command(text, to)
          : kind === 'barrage'
            ? await send.barrage(text)
            : await send.broadcast(text);
      if (!sent) return;
      this.add(kind, this.self, text, Date.now(), kind === 'command' ? to : undefined);
      this.input.value = '';
    };
    const button = (label: string, testid: string, kind: MessageKind, title: string) => {
      const b = h(
        'button',
        { type: kind === 'broadcast' ? 'submit' : 'button', 'data-testid': testid, title },
        label,
      );
      b.addEventListener('click', (e) => {
        e.preventDefault();
        void submit(kind)();
      });
      return b;
    };
    // One fieldset, so leaving the room disables the whole form at once.
    this.fieldset = h(
      'fieldset',
      { class: 'plain' },
      this.input,
      h(
        'div',
        { class: 'row' },
        button('Broadcast', 'send-broadcast', 'broadcast', 'reliable, to every other member'),
        button('Barrage', 'send-barrage', 'barrage', 'best effort, to every other member'),
        button('Command to', 'send-command', 'command', 'custom command to the chosen member'),
        this.target,
      ),
    );
    const form = h('form', { class: 'chat-form' }, this.fieldset);
    this.element = h('section', { class: 'section' }, h('h3', {}, 'Chat'), this.list, form);
    this.members([]);
  }

  /** Sending only makes sense while in the room (or coming back to it). */
  enable(inRoom: boolean): void {
    this.fieldset.disabled = !inRoom;
  }

  received(kind: MessageKind, messages: readonly BroadcastMessageInfo[]): void {
    for (const m of messages) this.add(kind, m.fromUser, m.message, m.sendTime);
  }

  command(fromUser: ZegoUser, command: string): void {
    this.add('command', fromUser, command, Date.now(), this.self.userID);
  }

  /** Keeps the command recipients in step with the member list. */
  members(users: readonly ZegoUser[]): void {
    const chosen = this.target.value;
    this.target.replaceChildren(
      ...users.map((u) => h('option', { value: u.userID, selected: u.userID === chosen }, u.userID)),
    );
    this.target.disabled = users.length === 0;
  }

  private add(kind: MessageKind, from: ZegoUser, text: string, timeMs: number, to?: string): void {
    const mine = from.userID === this.self.userID;
    const who = to === undefined ? from.userID : `${from.userID} → ${to}`;
    const item = h(
      'li',
      {
        'data-testid': 'chat-message',
        'data-kind': kind,
        'data-from': from.userID,
        'data-mine': String(mine),
        class: `msg msg--${kind}`,
      },
      h('time', {}, clock(timeMs)),
      ' ',
      h('b', {}, who),
      kind === 'broadcast' ? ' ' : h('small', {}, ` ${kind} `),
      text,
    );
    this.list.append(item);
    this.list.scrollTop = this.list.scrollHeight;
  }
}
