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
