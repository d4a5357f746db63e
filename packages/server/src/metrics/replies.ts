// Counting what the room rules answer, without the rules knowing: logins and switches by code,
// resumes by outcome. Wraps the one reply of a request.

import { type ClientRequest, Code, type ErrorCode, type ResumeReplyData } from '@atrium/protocol';
import type { Respond } from '../rooms/context.js';
import type { ResumeOutcome } from './metrics.js';

export interface ReplyMetrics {
  login(code: number): void;
  resume(outcome: ResumeOutcome): void;
}

export function observeReply(metrics: ReplyMetrics, frame: ClientRequest, respond: Respond): Respond {
  if (frame.t === 'login' || frame.t === 'switch') {
    return {
      ok(data?: unknown) {
        metrics.login(Code.OK);
        respond.ok(data);
      },
      fail(code: ErrorCode, ext?: string) {
        metrics.login(code);
        respond.fail(code, ext);
      },
    };
  }
  if (frame.t === 'resume') {
    return {
      ok(data?: unknown) {
        metrics.resume(resumeOutcome(data as ResumeReplyData | undefined));
        respond.ok(data);
      },
      fail(code: ErrorCode, ext?: string) {
        metrics.resume('refused');
        respond.fail(code, ext);
      },
    };
  }
  return respond;
}

/** 'replayed' only when every room of the reply was replayed. */
function resumeOutcome(data: ResumeReplyData | undefined): ResumeOutcome {
  const rooms = Object.values(data?.rooms ?? {});
  return rooms.every((r) => 'replayed' in r && r.replayed) ? 'replayed' : 'snapshot';
}
