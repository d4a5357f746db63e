// The network buttons: they drive the SDK's fault-injection hook
// `engine.debug.simulateNetwork('up' | 'down' | 'silent')` so RECONNECTING, RECONNECTED and
// RECONNECT_FAILED can be watched live. The hook is feature-detected, not assumed.

import { byId } from './dom.js';
import type { EventLog } from './log.js';

export type NetworkMode = 'up' | 'down' | 'silent';

export interface NetworkFaults {
  simulateNetwork(mode: NetworkMode): void;
}

/** The engine's fault-injection hook, or null when this SDK build has none. */
export function networkFaults(engine: object): NetworkFaults | null {
  if (!('debug' in engine) || typeof engine.debug !== 'object' || engine.debug === null) return null;
  const debug = engine.debug;
  const simulate: unknown = 'simulateNetwork' in debug ? debug.simulateNetwork : undefined;
  if (typeof simulate !== 'function') return null;
  return { simulateNetwork: (mode) => void Reflect.apply(simulate, debug, [mode]) };
}

export class NetworkControls {
  private faults: NetworkFaults | null = null;
  private upTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly buttons = {
    drop: byId('net-drop', HTMLButtonElement),
    silent: byId('net-silent', HTMLButtonElement),
    down: byId('net-down', HTMLButtonElement),
    up: byId('net-up', HTMLButtonElement),
  };
  private readonly seconds = byId('net-seconds', HTMLInputElement);
  private readonly status = byId('net-status', HTMLElement);

  constructor(private readonly log: EventLog) {
    const { drop, silent, down, up } = this.buttons;
    drop.addEventListener('click', () => {
      this.set('down', 'link dropped');
      this.set('up', 'link dropped, network up again: the SDK reconnects');
    });
    silent.addEventListener('click', () =>
      this.set('silent', 'link silent: no frames either way until "Network up"'),
    );
    down.addEventListener('click', () => {
      const seconds = Math.max(1, Number(this.seconds.value) || 1);
      clearTimeout(this.upTimer);
      this.set('down', `network down for ${seconds} s`);
      this.upTimer = setTimeout(() => this.set('up', `network up after ${seconds} s`), seconds * 1000);
    });
    up.addEventListener('click', () => this.set('up', 'network up'));
    this.attach(null);
  }

  /** Enables the buttons for an engine with the hook; otherwise disables them and says why. */
  attach(engine: object | null): void {
    clearTimeout(this.upTimer);
    this.faults = engine ? networkFaults(engine) : null;
    const why = engine
      ? 'this SDK build has no engine.debug.simulateNetwork hook'
      : 'log in first: the buttons act on the engine';
    for (const b of Object.values(this.buttons)) {
      b.disabled = this.faults === null;
      b.title = this.faults === null ? why : (b.dataset['hint'] ?? '');
    }
    this.status.textContent = this.faults === null ? why : 'network up';
  }

  private set(mode: NetworkMode, text: string): void {
    if (!this.faults) return;
    if (mode !== 'down') clearTimeout(this.upTimer);
    this.faults.simulateNetwork(mode);
    this.status.textContent = text;
    this.status.dataset['mode'] = mode;
    this.log.note(`debug.simulateNetwork('${mode}')`);
  }
}
