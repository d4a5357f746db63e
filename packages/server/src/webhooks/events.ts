// The webhook events, derived from the backend's room events with ZEGO's names and fields
// (docs/operations.md, "Webhooks"): room_create, room_login, stream_create, stream_close,
// room_logout, room_close. Pure bookkeeping per room: its lifetime ID (ZEGO's room_seq /
// room_session_id) and its open streams, so that a room ending with streams still listed
// closes them too. The common fields (event, appid, timestamp, nonce, signature) are added
// when the event is sent.

import { Code, type StreamInfo } from '@atrium/protocol';
import type { BackendMessage, LeaveCause, MembershipNote, RoomRef } from '../backend/types.js';

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

interface OpenStream {
  stream: StreamInfo;
  sid: string;
  createdAtMs: number;
}

interface RoomLife {
  roomSeq: string;
  streams: Map<string, OpenStream>;
}

const keyOf = (ref: RoomRef): string => `${ref.appID} ${ref.roomID}`;

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
    const out: WebhookEvent[] = [];
    const emit = (name: WebhookEventName, life: RoomLife, fields: WebhookEvent['fields']) => {
      out.push({ room, event: name, id: `${life.roomSeq}-${seq}-${out.length}`, fields });
    };
    const roomFields = { room_id: room.roomID };
    switch (event.k) {
      case 'join': {
        const note = message.member;
        const known = this.rooms.get(keyOf(room));
        const life = note?.created === true || known === undefined ? this.begin(room) : known;
        if (note?.created === true) {
          emit('room_create', life, {
            ...roomFields,
            room_session_id: life.roomSeq,
            room_create_time: String(note.joinedAtMs),
            id_name: event.user.userID,
          });
        }
        emit('room_login', life, {
          ...roomFields,
          room_name: room.roomID,
          room_seq: life.roomSeq,
          user_account: event.user.userID,
          user_nickname: event.user.userName ?? event.user.userID,
          session_id: note?.sessionID ?? '',
          login_time: note?.joinedAtMs ?? this.now(),
        });
        return out;
      }
      case 'leave': {
        const life = this.lifeOf(room);
        const note = message.member;
        emit('room_logout', life, {
          ...roomFields,
          room_seq: life.roomSeq,
          user_account: event.user.userID,
          user_nickname: event.user.userName ?? event.user.userID,
          session_id: note?.sessionID ?? '',
          login_time: note?.joinedAtMs ?? 0,
          logout_time: this.now(),
          reason: logoutReason(note),
        });
        if (note?.destroyed === true) {
          for (const open of life.streams.values()) {
            emit('stream_close', life, streamFields(room, life, open, seq, STREAM_CLOSE_TYPE.roomClosed));
          }
          emit('room_close', life, {
            ...roomFields,
            room_session_id: life.roomSeq,
            close_reason: closeReason(note.cause),
            room_close_time: String(this.now()),
          });
          this.rooms.delete(keyOf(room));
        }
        return out;
      }
      case 'pub': {
        const life = this.lifeOf(room);
        const open = { stream: event.stream, sid: `${life.roomSeq}-${seq}`, createdAtMs: this.now() };
        life.streams.set(event.stream.streamID, open);
        const fields = streamFields(room, life, open, seq);
        emit('stream_create', life, {
          ...fields,
          title: '',
          extra_info: event.stream.extraInfo,
          create_time: String(Math.floor(open.createdAtMs / 1000)),
          create_time_ms: String(open.createdAtMs),
        });
        return out;
      }
      case 'unpub': {
        const life = this.lifeOf(room);
        const open = life.streams.get(event.stream.streamID) ?? {
          stream: event.stream,
          sid: `${life.roomSeq}-${seq}`,
          createdAtMs: 0,
        };
        life.streams.delete(event.stream.streamID);
        emit('stream_close', life, streamFields(room, life, open, seq, STREAM_CLOSE_TYPE.stopped));
        return out;
      }
      default:
        return out;
    }
  }

  private begin(room: RoomRef): RoomLife {
    const life: RoomLife = { roomSeq: this.newRoomSeq(), streams: new Map() };
    this.rooms.set(keyOf(room), life);
    return life;
  }

  /** A room created before this server subscribed (cluster mode) gets a lifetime ID on first sight. */
  private lifeOf(room: RoomRef): RoomLife {
    return this.rooms.get(keyOf(room)) ?? this.begin(room);
  }
}

function streamFields(
  room: RoomRef,
  life: RoomLife,
  open: OpenStream,
  seq: number,
  type?: number,
): WebhookEvent['fields'] {
  const user = open.stream.user;
  const fields: WebhookEvent['fields'] = {
    room_id: room.roomID,
    channel_id: room.roomID,
    room_session_id: life.roomSeq,
    user_id: user.userID,
    user_name: user.userName ?? user.userID,
    publish_id: user.userID,
    publish_name: user.userName ?? user.userID,
    stream_id: open.stream.streamID,
    stream_alias: open.stream.streamID,
    stream_sid: open.sid,
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
