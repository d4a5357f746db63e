// The WebSocket the link uses: the app's class, else the browser's, else the `ws` package, loaded
// by a dynamic import so browser bundles never pull it in (package.json maps it to false there).

/** The subset of the browser WebSocket API the link uses; `ws` provides it too. */
export interface SocketLike {
  readonly readyState: number;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: cut the TCP connection without a close handshake. */
  terminate?: () => void;
}

export type SocketClass = new (url: string) => SocketLike;

let wsPackage: Promise<SocketClass> | undefined;

function importWs(): Promise<SocketClass> {
  wsPackage ??= import('ws').then((mod: { default?: unknown }) => {
    if (typeof mod.default !== 'function') throw new Error('the ws package is not available here');
    return mod.default as SocketClass;
  });
  return wsPackage;
}

export function resolveWebSocket(option: unknown): Promise<SocketClass> {
  if (typeof option === 'function') return Promise.resolve(option as SocketClass);
  const native = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof native === 'function') return Promise.resolve(native as SocketClass);
  return importWs();
}

/** Simulated network faults (the demo's buttons): down refuses links, silent loses every byte. */
export type NetworkMode = 'up' | 'down' | 'silent';

interface FaultTimers {
  setTimeout(callback: () => void, ms: number): unknown;
}

/**
 * Fault injection for demos and manual tests, kept out of the link: the sockets made (or
 * adopted) through it obey a switchable simulated network. While 'down' a new socket fails at
 * once (never synchronously) without touching the real network; while 'silent' sockets stay
 * open but every frame is lost, both ways, as on a blackholed link. The link installs one only
 * when asked to simulate (`debug.simulateNetwork`), so a normal engine's sockets are bare.
 */
export class SimulatedNetwork {
  mode: NetworkMode = 'up';

  constructor(private readonly timers: FaultTimers) {}

  /** The socket class whose sockets go through this network. */
  wrap(inner: SocketClass): SocketClass {
    const network = this;
    return class {
      constructor(url: string) {
        // biome-ignore lint/correctness/noConstructorReturn: the wrapper stands in for the socket made.
        return network.mode === 'down' ? new RefusedSocket(network.timers) : network.adopt(new inner(url));
      }
    } as unknown as SocketClass;
  }

  /** Puts an open socket behind this network, its handlers moved to the wrapper. */
  adopt(inner: SocketLike): SocketLike {
    return new FaultySocket(this, inner);
  }
}

class FaultySocket implements SocketLike {
  onmessage: SocketLike['onmessage'];
  onclose: SocketLike['onclose'];
  onerror: SocketLike['onerror'];

  constructor(
    private readonly network: SimulatedNetwork,
    private readonly inner: SocketLike,
  ) {
    this.onmessage = inner.onmessage;
    this.onclose = inner.onclose;
    this.onerror = inner.onerror;
    inner.onmessage = (event) => {
      if (this.network.mode !== 'silent') this.onmessage?.(event);
    };
    inner.onclose = (event) => this.onclose?.(event);
    inner.onerror = (event) => this.onerror?.(event);
  }

  get readyState(): number {
    return this.inner.readyState;
  }

  get terminate(): (() => void) | undefined {
    const inner = this.inner;
    return inner.terminate === undefined ? undefined : () => inner.terminate?.();
  }

  send(data: string): void {
    if (this.network.mode !== 'silent') this.inner.send(data);
  }

  close(code?: number, reason?: string): void {
    this.inner.close(code, reason);
  }
}

/** A connection attempt made while the network is down: it fails, asynchronously. */
class RefusedSocket implements SocketLike {
  readonly readyState = 3;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;

  constructor(timers: FaultTimers) {
    timers.setTimeout(() => this.onerror?.(new Error('network down (simulated)')), 0);
  }

  send(): void {}
  close(): void {}
}
