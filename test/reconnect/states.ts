// The contract's state machine (docs/contract.md) as a checker over what an app saw: a room's
// `roomStateChanged` events, in order, each checked against the state it left and the code its row
// allows. Returns the violations (empty when the sequence is valid), so a failing run says exactly
// what went wrong.

import { Code } from '@atrium/sdk';

type Phase = 'idle' | 'logining' | 'logined' | 'reconnecting';

export interface StateChange {
  reason: string;
  code: number;
  ext: string;
}

const KICK_CODES: ReadonlySet<number> = new Set([
  Code.KICKED_DUPLICATE_LOGIN,
  Code.KICKED_BY_BACKEND,
  Code.TOKEN_EXPIRED,
]);

function recoveredFlag(ext: string): boolean | undefined {
  try {
    const parsed = JSON.parse(ext) as { recovered?: unknown };
    return typeof parsed.recovered === 'boolean' ? parsed.recovered : undefined;
  } catch {
    return undefined;
  }
}

type Step = { next: Phase } | { error: string };

/** The next phase, or why the change is not allowed from `phase`. */
function step(phase: Phase, { reason, code, ext }: StateChange): Step {
  const expectCode = (want: number, next: Phase): Step =>
    code === want ? { next } : { error: `${reason} with code ${code}, not ${want}` };
  const failure = (next: Phase): Step => (code !== 0 ? { next } : { error: `${reason} with code 0` });
  switch (`${phase} ${reason}`) {
    case 'idle LOGINING':
      return expectCode(0, 'logining');
    case 'idle LOGOUT_FAILED':
      return expectCode(Code.ROOM_NOT_LOGGED_IN, 'idle');
    case 'logining LOGINED':
      return expectCode(0, 'logined');
    case 'logining LOGIN_FAILED':
      return failure('idle');
    case 'logining LOGOUT':
    case 'logined LOGOUT':
    case 'reconnecting LOGOUT':
      return expectCode(0, 'idle');
    case 'logined RECONNECTING':
      return expectCode(Code.CONNECTION_INTERRUPTED, 'reconnecting');
    case 'logined KICKOUT':
    case 'reconnecting KICKOUT':
      return KICK_CODES.has(code) ? { next: 'idle' } : { error: `KICKOUT with code ${code}, not a kick's` };
    case 'reconnecting RECONNECTED':
      if (recoveredFlag(ext) === undefined)
        return { error: `RECONNECTED with extendedData ${JSON.stringify(ext)}` };
      return expectCode(0, 'logined');
    case 'reconnecting RECONNECT_FAILED':
      return failure('idle');
    default:
      return { error: `${reason} while ${phase}` };
  }
}

/** Every way `changes` breaks the machine, as readable lines. */
export function stateViolations(changes: readonly StateChange[]): string[] {
  const out: string[] = [];
  let phase: Phase = 'idle';
  for (const [i, change] of changes.entries()) {
    const result = step(phase, change);
    if ('error' in result) out.push(`#${i} ${result.error}`);
    else phase = result.next;
  }
  return out;
}

/** Whether the room ever came back from a snapshot (its session was lost and rebuilt). */
export function wasRebuilt(changes: readonly StateChange[]): boolean {
  return changes.some((c) => c.reason === 'RECONNECTED' && recoveredFlag(c.ext) === false);
}

/** The room left for good at some point: kicked, failed, logged out. */
export function leftTheRoom(changes: readonly StateChange[]): boolean {
  return changes.some((c) => ['KICKOUT', 'RECONNECT_FAILED', 'LOGOUT', 'LOGIN_FAILED'].includes(c.reason));
}
