// Why a connection attempt failed, in words an app (and its developer) can act on: refused, no
// such host, TLS, the server answered the upgrade with an HTTP status (a wrong path, a proxy), or
// no answer in time. Node's `ws` says which; a browser's WebSocket hides it (a failed attempt
// there is "closed before it opened"), so the words say only what is known.

export type FailureKind = 'refused' | 'dns' | 'tls' | 'http' | 'timeout' | 'closed' | 'error';

export interface LinkFailure {
  readonly kind: FailureKind;
  readonly url: string;
  /** A sentence for extendedData and the log: `connection refused by ws://…`. */
  readonly text: string;
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(VERIFY|GET)_|EPROTO$)/;

function errorOf(event: unknown): { code?: unknown; message?: unknown } | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as { error?: unknown; code?: unknown; message?: unknown };
  // `ws` hands an ErrorEvent whose `error` is the Error; a bare Error may come from elsewhere.
  if (typeof e.error === 'object' && e.error !== null)
    return e.error as { code?: unknown; message?: unknown };
  return e;
}

/** What a socket's `error` event says about the attempt to `url`. */
export function failureOfError(event: unknown, url: string): LinkFailure {
  const error = errorOf(event);
  const code = typeof error?.code === 'string' ? error.code : '';
  const message = typeof error?.message === 'string' ? error.message : '';
  if (code === 'ECONNREFUSED') return { kind: 'refused', url, text: `connection refused by ${url}` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return { kind: 'dns', url, text: `no such host (DNS ${code}) for ${url}` };
  }
  if (TLS_CODE.test(code)) return { kind: 'tls', url, text: `TLS failed (${code}) with ${url}` };
  const status = /Unexpected server response: (\d{3})/.exec(message)?.[1];
  if (status !== undefined) {
    return { kind: 'http', url, text: `${url} answered the WebSocket upgrade with HTTP ${status}` };
  }
  const detail = code !== '' ? code : message !== '' ? message : 'no details (a browser hides them)';
  return { kind: 'error', url, text: `socket error on ${url}: ${detail}` };
}

/** An attempt closed before `hello`, with no error to say why. */
export function failureOfClose(code: number | undefined, url: string): LinkFailure {
  return { kind: 'closed', url, text: `closed by ${url} before it answered (${code ?? '?'})` };
}

export function failureOfTimeout(url: string, ms: number): LinkFailure {
  return { kind: 'timeout', url, text: `no answer from ${url} within ${ms} ms` };
}

/** Failures that say nothing is listening there: retrying soon will not change that. */
export function isRefusal(failure: LinkFailure | undefined): boolean {
  return failure?.kind === 'refused' || failure?.kind === 'dns';
}
