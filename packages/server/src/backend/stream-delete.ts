// Why a member's streams leave the room, as the `why` of their `unpub` events: the SDK reports it
// in `roomStreamUpdate` DELETE's extendedData with ZEGO's stream_delete_reason codes.

import { Code, StreamDeleteReason } from '@atrium/protocol';
import type { LeaveCause } from './types.js';

/** The streams of a member removed by `cause` (a kick's code when kicked). */
export function streamsLeftBecause(cause: LeaveCause, kickCode?: number): number {
  if (cause === 'kick') {
    return kickCode === Code.KICKED_DUPLICATE_LOGIN
      ? StreamDeleteReason.REPEAT_LOGIN
      : StreamDeleteReason.KICKED_OUT;
  }
  return cause === 'timeout' ? StreamDeleteReason.HEARTBEAT_TIMEOUT : StreamDeleteReason.STOPPED;
}

/** One stream unpublished: by its publisher, or by the business backend (admin DeleteStream). */
export function streamStoppedBy(asServer: boolean): number {
  return asServer ? StreamDeleteReason.REMOVED_BY_SERVER : StreamDeleteReason.STOPPED;
}
