// The SDK's public value types, and the ZEGO Express Web SDK's names for them: an app written
// against ZEGO's typings compiles against this package by changing its import (docs/zego-compat.md).
// Shapes shared with the server come from @atrium/protocol.

import type { BroadcastMessageInfo, RoomStateChangedReason, StreamInfo, ZegoUser } from '@atrium/protocol';
import type { LogLevel } from './log.js';

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
  /** Deliver `roomUserUpdate` for this room. @default false */
  userUpdate?: boolean;
  /** Set by the room's creator; 0 or absent = unlimited. @default 0 */
  maxMemberCount?: number;
}

export interface SwitchRoomConfig {
  token: string;
  maxMemberCount?: number;
  /** Same as `RoomConfig.userUpdate`, under ZEGO's name for switchRoom. @default false */
  isUserStatusNotify?: boolean;
}

/**
 * The third argument of `startPublishingStream` (ZEGO's `ZegoWebPublishOption`). Only `roomID`
 * and `extraInfo` mean something to a room service; the media fields are accepted and ignored.
 */
export interface PublishOptions {
  /** Default: the only (or first) room logged in. */
  roomID?: string;
  extraInfo?: string;
  // ZEGO's media fields, accepted and ignored.
  streamParams?: string;
  videoCodec?: 'VP8' | 'H264' | 'H265';
  isSEIStart?: boolean;
  SEIType?: number;
  enableDTX?: boolean;
  inspectFlag?: number;
  trafficControlFocusOnMode?: number;
  trafficControlMinVideoBitrate?: number;
  trafficControlMinVideoMode?: number;
  enableTrafficControl?: boolean;
  enableAutoSwitchVideoCodec?: boolean;
  forceSynchronousNetworkTime?: 0 | 1;
}

/** `publisherStateUpdate`'s argument: the signalling outcome of `startPublishingStream`. */
export interface PublisherState {
  state: 'PUBLISHING' | 'NO_PUBLISH' | 'PUBLISH_REQUESTING';
  streamID: string;
  errorCode: number;
  extendedData: string;
}

/** ZEGO's `ZegoRoomTransparentMessageMode`: who receives a transparent message. */
export const ZegoRoomTransparentMessageMode = {
  ZegoRoomTransparentMessageModeOnlyClient: 0,
  ZegoRoomTransparentMessageModeOnlyServer: 1,
  ZegoRoomTransparentMessageModeClientAndServer: 2,
} as const;
export type ZegoRoomTransparentMessageMode =
  (typeof ZegoRoomTransparentMessageMode)[keyof typeof ZegoRoomTransparentMessageMode];

/** ZEGO's `ZegoRoomTransparentMessageType`: both are delivered reliably and in room order here. */
export const ZegoRoomTransparentMessageType = {
  ZegoRoomTransparentMessageNormal: 0,
  ZegoRoomTransparentMessageSequence: 1,
} as const;
export type ZegoRoomTransparentMessageType =
  (typeof ZegoRoomTransparentMessageType)[keyof typeof ZegoRoomTransparentMessageType];

/** `sendTransparentMessage`'s argument: binary content to the room, or to the listed users. */
export interface TransparentMessage {
  content: Uint8Array;
  sendMode?: number;
  sendType?: number;
  /** Empty or absent: every other member of the room. */
  recvUserList?: ZegoUser[];
  /** Seconds to wait for the server's answer before failing. @default 10 */
  timeOut?: number;
}

/** What `recvRoomTransparentMessage` delivers. */
export interface RecvTransparentMessage {
  sendUser: ZegoUser;
  content: Uint8Array;
}

/** A stream as `roomStreamUpdate` delivers it: ZEGO's CDN URL fields are always empty here. */
export interface ZegoStreamList extends StreamInfo {
  urlsFLV: string;
  urlsRTMP: string;
  urlsHLS: string;
  urlsHttpsFLV: string;
  urlsHttpsHLS: string;
}

/** ZEGO's `ZegoLogConfig`: `logLevel` drives this SDK's console output; the remote fields are accepted. */
export interface ZegoLogConfig {
  logLevel?: LogLevel | 'disable' | 'report';
  remoteLogLevel?: string;
  logURL?: string;
  logCount?: number;
  logSize?: number;
}

export interface ZegoVideoCodec {
  H264: boolean;
  VP8: boolean;
  VP9?: boolean;
  H265?: boolean;
}

export interface ZegoCapabilityError {
  name?: string;
  message?: string;
}

/** ZEGO spells one key `extendedDate`; kept so an app reading it compiles. */
export interface ZegoCapabilityErrorInfo {
  webRTC?: ZegoCapabilityError;
  customCapture?: ZegoCapabilityError;
  camera?: ZegoCapabilityError;
  microphone?: ZegoCapabilityError;
  extendedDate?: string;
}

/** ZEGO's `checkSystemRequirements` result (`ZegoCapabilityDetection`). */
export interface ZegoCapabilityDetection {
  webRTC?: boolean;
  customCapture?: boolean;
  camera?: boolean;
  microphone?: boolean;
  screenSharing?: boolean;
  videoCodec?: ZegoVideoCodec;
  errInfo: ZegoCapabilityErrorInfo;
  result?: boolean;
}

/** The single checks `checkSystemRequirements(checkType)` takes. */
export interface ZegoCheckSingleType {
  webRTC: 'webRTC';
  customCapture: 'customCapture';
  camera: 'camera';
  microphone: 'microphone';
  screenSharing: 'screenSharing';
  H264: 'H264';
  VP8: 'VP8';
  H265: 'H265';
}

/** ZEGO's geofencing areas (`setGeoFence`): accepted, no effect here. */
export const ZegoGeoFenceType = {
  ZegoGeoFenceTypeNone: 0,
  ZegoGeoFenceTypeInclude: 1,
  ZegoGeoFenceTypeExclude: 2,
} as const;
export type ZegoGeoFenceType = (typeof ZegoGeoFenceType)[keyof typeof ZegoGeoFenceType];

/** ZEGO's room scenarios (`setRoomScenario`, 3–9): accepted, no effect here. */
export type ZegoScenario = number;

/** ZEGO's local proxy settings (`setLocalProxyConfig`): accepted, no effect here. */
export interface ZegoLocalProxyConfig {
  accesshubProxy: string;
  loggerProxy?: string;
  detaillogProxy?: string;
}

/** What `loginRoom` / `switchRoom` reject with, as ZEGO types it (`RoomError` is one). */
export interface ZegoError {
  code: number | string;
  msg: string;
}

export interface ZegoProxyInfo {
  hostName: string;
  port?: number;
}

/** ZEGO's reason names as an enum, for apps that compare against `ZegoRoomStateChangedReason.Logined`. */
export const ZegoRoomStateChangedReason = {
  Logining: 'LOGINING',
  Logined: 'LOGINED',
  LoginFailed: 'LOGIN_FAILED',
  Reconnecting: 'RECONNECTING',
  Reconnected: 'RECONNECTED',
  ReconnectFailed: 'RECONNECT_FAILED',
  Kickout: 'KICKOUT',
  Logout: 'LOGOUT',
  LogoutFailed: 'LOGOUT_FAILED',
} as const satisfies Record<string, RoomStateChangedReason>;
export type ZegoRoomStateChangedReason = RoomStateChangedReason;

// ZEGO's names for the shapes above.
export type ZegoServerResponse = ServerResponse;
export type ZegoRoomConfig = RoomConfig;
export type ZegoSwitchRoomConfig = SwitchRoomConfig;
export type ZegoWebPublishOption = PublishOptions;
export type ZegoPublisherState = PublisherState;
export type ZegoRoomSendTransparentMessage = TransparentMessage;
export type ZegoRoomRecvTransparentMessage = RecvTransparentMessage;
export type ZegoRoomExtraInfo = import('@atrium/protocol').RoomExtraInfo;
/** A broadcast message: its `messageID` is a number. */
export interface ZegoBroadcastMessageInfo extends BroadcastMessageInfo {
  messageID: number;
}
/** A barrage message: its `messageID` is a string. */
export interface ZegoBarrageMessageInfo extends BroadcastMessageInfo {
  messageID: string;
}
