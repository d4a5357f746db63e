// @atrium/sdk: the client SDK, for browsers and Node.js alike. `ZegoExpressEngine` is the same class
// as `RoomEngine`, with ZEGO's type names beside it, so an app written for the ZEGO Express Web
// SDK's room and IM API ports by changing its import (docs/zego-compat.md).

import { RoomEngine } from './engine.js';

export { Code, LEGACY_STATE, REASONS, StreamDeleteReason } from '@atrium/protocol';
export {
  type BackoffPolicyOptions,
  backoffPolicy,
  nextDelayMs,
  type ReconnectContext,
  type ReconnectPolicy,
  retryCeilingMs,
} from './backoff.js';
export { ENGINE_VERSION, ZEGO_API_VERSION } from './compat.js';
export { RoomEngine } from './engine.js';
export { RoomError, ServerError } from './errors.js';
export { ROOM_EVENT_NAMES, type RoomEventName, type RoomEvents } from './events.js';
export type { NetworkMode, OnlineEvents, Timers } from './link.js';
export type { LogLevel, LogSink } from './log.js';
export { ENGINE_DEFAULTS, type EngineOptions } from './options.js';
export * from './types.js';
export { SDK_VERSION as ATRIUM_VERSION } from './version.js';

/** The ZEGO Express Web SDK's name for the engine: the same class. */
export const ZegoExpressEngine = RoomEngine;
export type ZegoExpressEngine = RoomEngine;

export type { ServerError as ZegoServerError } from './errors.js';
// ZEGO's names for the event maps and the errors.
export type { RoomEvents as ZegoEvent, RoomEvents as ZegoRTMEvent } from './events.js';
export type { EngineOptions as ZegoInitOptions } from './options.js';
