// The webhook events, derived from the backend's room events with ZEGO's names and fields
// (docs/operations.md, "Webhooks"): room_create, room_login, stream_create, stream_close,
// room_logout, room_close. Pure bookkeeping per room: its lifetime ID (ZEGO's room_seq /
// room_session_id) and its open streams, so that a room ending with streams still listed
// closes them too. The common fields (event, appid, timestamp, nonce, signature) are added
// when the event is sent.

import { Code, type StreamInfo } from '@atrium/protocol';
import type { BackendMessage, HookFacts, LeaveCause, MembershipNote, RoomRef } from '../backend/types.js';

export type { HookFacts };

export type WebhookEventName =
  | 'room_create'
  | 'room_close'
  | 'room_login'
  | 'room_logout'
  | 'stream_create'
  | 'stream_close';

export interface WebhookEvent {
  room: RoomRef;
  event: WebhookEventName;
  /** Unique per event, the same on every retry: lets the receiver drop a duplicate. */
  id: string;
  fields: Record<string, string | number>;
}

/** ZEGO's room_logout `reason`. */
export const LOGOUT_REASON = { logout: 0, timeout: 1, kicked: 3, tokenExpired: 4 } as const;
/** ZEGO's room_close `close_reason`: how the last member left. */
export const CLOSE_REASON = { normal: 0, timeout: 1, kicked: 3 } as const;
/** stream_close `type` (ours; ZEGO does not document its values). */
export const STREAM_CLOSE_TYPE = { stopped: 0, roomClosed: 1 } as const;

/** The webhook events of one room event, in the order to deliver them. */
export function webhookEventsOf(f: HookFacts): WebhookEvent[] {
  const { room, seq, event, life, atMs } = f;
  const out: WebhookEvent[] = [];
  const emit = (name: WebhookEventName, fields: WebhookEvent['fields']) => {
    // The room in it too: two rooms may be born in the same ms with the same lifetime ID.
    out.push({ room, event: name, id: `${room.appID}:${room.roomID}:${life}-${seq}-${out.length}`, fields });
  };
  const roomFields = { room_id: room.roomID };
  const note = f.member;
  switch (event.k) {
    case 'join':
      if (note?.created === true) {
        emit('room_create', {
          ...roomFields,
          room_session_id: life,
          room_create_time: String(note.joinedAtMs),
          id_name: event.user.userID,
        });
      }
      emit('room_login', {
        ...roomFields,
        room_name: room.roomID,
        room_seq: life,
        user_account: event.user.userID,
        user_nickname: event.user.userName ?? event.user.userID,
        session_id: note?.sessionID ?? '',
        login_time: note?.joinedAtMs ?? atMs,
      });
      return out;
    case 'leave':
      emit('room_logout', {
        ...roomFields,
        room_seq: life,
        user_account: event.user.userID,
        user_nickname: event.user.userName ?? event.user.userID,
        session_id: note?.sessionID ?? '',
        login_time: note?.joinedAtMs ?? 0,
        logout_time: atMs,
        reason: logoutReason(note),
      });
      if (note?.destroyed === true) {
        for (const open of f.closing ?? []) {
          emit(
            'stream_close',
            streamFields(room, life, open.stream, open.pubSeq, seq, STREAM_CLOSE_TYPE.roomClosed),
          );
        }
        emit('room_close', {
          ...roomFields,
          room_session_id: life,
          close_reason: closeReason(note.cause),
          room_close_time: String(atMs),
        });
      }
      return out;
    case 'pub':
      emit('stream_create', {
        ...streamFields(room, life, event.stream, seq, seq),
        title: '',
        extra_info: event.stream.extraInfo,
        create_time: String(Math.floor(atMs / 1000)),
        create_time_ms: String(atMs),
      });
      return out;
    case 'unpub':
      emit(
        'stream_close',
        streamFields(room, life, event.stream, f.pubSeq ?? seq, seq, STREAM_CLOSE_TYPE.stopped),
      );
      return out;
    default:
      return out;
  }
}

interface RoomLife {
  life: string;
  /** Open streams: streamID → the stream and the seq of its `pub`. */
  streams: Map<string, { stream: StreamInfo; pubSeq: number }>;
}

const keyOf = (ref: RoomRef): string => `${ref.appID} ${ref.roomID}`;

/** Memory mode: the facts of each backend message, from what this server saw of the room. */
export class WebhookEvents {
  private readonly rooms = new Map<string, RoomLife>();

  constructor(
    /** Wall clock, ms. */
    private readonly now: () => number,
    /** A new room lifetime ID. */
    private readonly newRoomSeq: () => string,
  ) {}

  /** The webhook events of one backend message, in the order to deliver them. */
  derive(message: BackendMessage): WebhookEvent[] {
    if (message.kind !== 'event') return [];
    const { room, seq, event } = message;
    const known = this.rooms.get(keyOf(room));
    const created = event.k === 'join' && message.member?.created === true;
    // A room created before this server subscribed gets a lifetime ID on first sight.
    const life = created || known === undefined ? this.begin(room) : known;
    const facts: HookFacts = { room, seq, event, life: life.life, atMs: this.now() };
    if (message.member !== undefined) facts.member = message.member;
    if (event.k === 'pub') life.streams.set(event.stream.streamID, { stream: event.stream, pubSeq: seq });
    if (event.k === 'unpub') {
      facts.pubSeq = life.streams.get(event.stream.streamID)?.pubSeq ?? seq;
      life.streams.delete(event.stream.streamID);
    }
    if (event.k === 'leave' && message.member?.destroyed === true) {
      facts.closing = [...life.streams.values()];
      this.rooms.delete(keyOf(room));
    }
    return webhookEventsOf(facts);
  }

  private begin(room: RoomRef): RoomLife {
    const life: RoomLife = { life: this.newRoomSeq(), streams: new Map() };
    this.rooms.set(keyOf(room), life);
    return life;
  }
}

function streamFields(
  room: RoomRef,
  life: string,
  stream: StreamInfo,
  pubSeq: number,
  seq: number,
  type?: number,
): WebhookEvent['fields'] {
  const user = stream.user;
  const fields: WebhookEvent['fields'] = {
    room_id: room.roomID,
    channel_id: room.roomID,
    room_session_id: life,
    user_id: user.userID,
    user_name: user.userName ?? user.userID,
    publish_id: user.userID,
    publish_name: user.userName ?? user.userID,
    stream_id: stream.streamID,
    stream_alias: stream.streamID,
    stream_sid: `${life}-${pubSeq}`,
    stream_seq: String(seq),
  };
  if (type !== undefined) fields.type = type;
  return fields;
}

function logoutReason(note: MembershipNote | undefined): number {
  if (note?.cause === 'timeout') return LOGOUT_REASON.timeout;
  if (note?.cause === 'kick') {
    return note.kickCode === Code.TOKEN_EXPIRED ? LOGOUT_REASON.tokenExpired : LOGOUT_REASON.kicked;
  }
  return LOGOUT_REASON.logout;
}

function closeReason(cause: LeaveCause | undefined): number {
  if (cause === 'timeout') return CLOSE_REASON.timeout;
  if (cause === 'kick') return CLOSE_REASON.kicked;
  return CLOSE_REASON.normal;
}
