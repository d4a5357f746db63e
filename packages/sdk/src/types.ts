// The SDK's public value types (SPEC §4); shapes shared with the server come from @atrium/protocol.

export type {
  BroadcastMessageInfo,
  LegacyRoomState,
  RoomExtraInfo,
  RoomStateChangedReason,
  StreamInfo,
  ZegoUser,
} from '@atrium/protocol';

export interface ServerResponse {
  errorCode: number;
  extendedData?: string;
}

export interface MessageResponse extends ServerResponse {
  messageID?: number | string;
}

export interface RoomConfig {
  /** Deliver `roomUserUpdate` for this room. */
  userUpdate?: boolean;
  /** Set by the room's creator; 0 or absent = unlimited. */
  maxMemberCount?: number;
}

export interface SwitchRoomConfig {
  token: string;
  maxMemberCount?: number;
  /** Same as `RoomConfig.userUpdate`, under ZEGO's name for switchRoom. */
  isUserStatusNotify?: boolean;
}

export interface PublishOptions {
  /** Default: the only (or first) room logged in. */
  roomID?: string;
  extraInfo?: string;
}
