// What each client request is, for the two ends that handle it: how the SDK delivers it across
// a cut, whether the server applies it at most once (and per what), and whether the server needs
// its backend to start on it at all. One row per request tag; both the SDK and the server read
// this table instead of keeping their own lists (docs/contract.md, "Reconnection").

import type { ClientRequest } from './frames.js';

/**
 * How the SDK delivers a request:
 * - login: the app's login or switch, sent again by its room after a cut;
 * - resume: sent once per new link to take the session back;
 * - reliable: queued while the room is away and sent again with the same id;
 * - once: settled with CONNECTION_INTERRUPTED by a cut, never sent again.
 */
export type Delivery = 'login' | 'resume' | 'reliable' | 'once';

export interface RequestKind {
  readonly delivery: Delivery;
  /**
   * A resend with the same id gets the first reply and is not applied again. 'user': once per
   * user whatever the session (a message must not be delivered twice); 'session': once per
   * session (a state change resent under a new session must be applied again to hold).
   */
  readonly appliedOnce?: 'user' | 'session';
  /** The server cannot even start on it without its backend (it says come back later). */
  readonly needsBackend: boolean;
}

export const REQUEST_KINDS = {
  login: { delivery: 'login', needsBackend: true },
  switch: { delivery: 'login', needsBackend: true },
  resume: { delivery: 'resume', needsBackend: true },
  logout: { delivery: 'once', needsBackend: false },
  renew: { delivery: 'reliable', needsBackend: false },
  bcast: { delivery: 'reliable', appliedOnce: 'user', needsBackend: false },
  cmd: { delivery: 'reliable', appliedOnce: 'user', needsBackend: false },
  barrage: { delivery: 'once', needsBackend: false },
  extra: { delivery: 'reliable', appliedOnce: 'session', needsBackend: false },
  pub: { delivery: 'reliable', appliedOnce: 'session', needsBackend: false },
  unpub: { delivery: 'reliable', appliedOnce: 'session', needsBackend: false },
  sextra: { delivery: 'reliable', appliedOnce: 'session', needsBackend: false },
} as const satisfies { readonly [T in ClientRequest['t']]: RequestKind };

/** The row of a request tag. */
export function requestKind(t: ClientRequest['t']): RequestKind {
  return REQUEST_KINDS[t];
}

type Rows = typeof REQUEST_KINDS;
type AppliedOnceTag = { [T in keyof Rows]: Rows[T] extends { appliedOnce: string } ? T : never }[keyof Rows];

/** The requests applied at most once per id (see RequestKind.appliedOnce), read off the table. */
export type AppliedOnceRequest = Extract<ClientRequest, { t: AppliedOnceTag }>;

export function isAppliedOnce(frame: ClientRequest): frame is AppliedOnceRequest {
  return requestKind(frame.t).appliedOnce !== undefined;
}
