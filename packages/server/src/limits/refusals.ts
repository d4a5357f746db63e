// Every refusal of a limit is counted (`atrium_limited_total{limit}`) and logged, but the log is
// itself limited: one line per limit per interval, saying how many refusals it stands for, so
// an attack cannot turn into a flood of log lines (that would be the next thing to stall).

import type { Logger } from 'pino';

/** The limits, as they appear in the metric's `limit` label and in docs/operations.md. */
export type LimitName =
  /** A link's unsent backlog went over linkMaxBufferedBytes: cut. */
  | 'link_backlog'
  /** The links' unsent backlogs together went over serverMaxBufferedBytes: the biggest cut. */
  | 'backlog_total'
  /** A droppable frame (barrage) not written to a link with a backlog. */
  | 'shed'
  /** A link sent faster than its input budget: reading paused. */
  | 'input_paused'
  /** A link kept sending faster than its budget: closed. */
  | 'input_closed'
  /** A message above maxPayloadBytes: closed (1009). */
  | 'message_size'
  /** Before login, a message (or one half-sent) above loginMaxMessageBytes: closed (1009). */
  | 'login_message'
  /** No session by the login deadline: closed. */
  | 'login_deadline'
  /** A new link beyond maxLinks (503). */
  | 'links'
  /** A new link beyond maxLinksBeforeLogin (503). */
  | 'links_before_login'
  /** A new connection beyond maxLinksPerIp from its address (429). */
  | 'links_per_ip'
  /** A connection that sent nothing by httpFirstByteTimeoutMs: closed. */
  | 'http_first_byte'
  /** A connection with no request under way, closed to make room for a newcomer at the TCP cap. */
  | 'http_evicted'
  /** An HTTP request whose headers or whole request did not arrive in time (408). */
  | 'http_timeout'
  /** An HTTP connection that pipelined more requests than it waited answers for: closed. */
  | 'http_pipelining'
  /** An admin API body that did not arrive in time (408). */
  | 'admin_body'
  /** A new stream beyond maxStreamsPerMember or maxStreamsPerRoom (1003060). */
  | 'streams'
  /** A login into a room at its capacity: its maxMemberCount or maxRoomMembers (1002034). */
  | 'room_members'
  /** A login of a user already in maxRoomsPerUser rooms over all its sessions (1002037). */
  | 'rooms_per_user'
  /** A member's messages (broadcast, barrage, command, transparent) beyond its rate (limits/rates.ts). */
  | 'rate_messages'
  /** A member's room extra info beyond its rate. */
  | 'rate_extra'
  /** A member's stream publishes, unpublishes and stream extra info beyond its rate. */
  | 'rate_streams'
  /** Logins, switches and resumes on one link beyond its rate. */
  | 'rate_logins'
  /** Logins, switches and resumes from one address beyond its rate. */
  | 'rate_logins_ip';

/** Where a refusal is counted; ServerMetrics implements it. */
export interface LimitCounter {
  limited(limit: LimitName, count?: number): void;
}

/** Shed frames are counted but never logged: shedding is the expected answer to a slow reader. */
const QUIET: ReadonlySet<LimitName> = new Set(['shed']);

export class Refusals {
  private readonly lastLogAtMs = new Map<LimitName, number>();
  private readonly unlogged = new Map<LimitName, number>();

  constructor(
    private readonly counter: LimitCounter,
    private readonly log: Logger,
    private readonly monoNow: () => number,
    private readonly logEveryMs = 10_000,
  ) {}

  note(limit: LimitName, detail: Record<string, unknown> = {}, count = 1): void {
    this.counter.limited(limit, count);
    if (QUIET.has(limit)) return;
    const now = this.monoNow();
    const last = this.lastLogAtMs.get(limit);
    if (last !== undefined && now - last < this.logEveryMs) {
      this.unlogged.set(limit, (this.unlogged.get(limit) ?? 0) + 1);
      return;
    }
    const suppressed = this.unlogged.get(limit) ?? 0;
    this.unlogged.delete(limit);
    this.lastLogAtMs.set(limit, now);
    this.log.warn({ limit, ...detail, ...(suppressed > 0 ? { suppressed } : {}) }, 'limit reached');
  }
}
