// The event log: every SDK callback with its arguments and the time it arrived, newest first,
// plus the page's own actions in a quieter style so a reader can tell cause from effect.

const MAX_ENTRIES = 500;

/** `HH:MM:SS.mmm` in local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export class EventLog {
  private readonly list: HTMLOListElement;

  constructor(
    list: HTMLOListElement,
    private readonly now: () => number = Date.now,
  ) {
    this.list = list;
  }

  /** One SDK callback: `event(arg, arg, …)`. */
  event(name: string, args: readonly unknown[]): void {
    const item = this.entry('event');
    item.dataset['event'] = name;
    const roomID = args[0];
    if (typeof roomID === 'string') item.dataset['room'] = roomID;
    const call = document.createElement('code');
    call.textContent = `${name}(${args.map(show).join(', ')})`;
    item.append(call);
  }

  /** Something the page did (a method call and its result), shown dimmer than events. */
  note(text: string, failed = false): void {
    const item = this.entry(failed ? 'note note--failed' : 'note');
    item.append(text);
  }

  clear(): void {
    this.list.replaceChildren();
  }

  private entry(kind: string): HTMLLIElement {
    const item = document.createElement('li');
    item.className = kind;
    item.dataset['testid'] = 'log-entry';
    const time = document.createElement('time');
    time.textContent = clock(this.now());
    item.append(time, ' ');
    this.list.prepend(item);
    while (this.list.childElementCount > MAX_ENTRIES) this.list.lastElementChild?.remove();
    return item;
  }
}
