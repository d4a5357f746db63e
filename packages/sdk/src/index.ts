// @atrium/sdk: the client SDK (SPEC §4). Browsers and Node.js alike.

export { Code, LEGACY_STATE, REASONS } from '@atrium/protocol';
export {
  type BackoffPolicyOptions,
  backoffPolicy,
  nextDelayMs,
  type ReconnectContext,
  type ReconnectPolicy,
} from './backoff.js';
export { RoomEngine } from './engine.js';
export { RoomError } from './errors.js';
export { ROOM_EVENT_NAMES, type RoomEventName, type RoomEvents } from './events.js';
export type { NetworkMode, OnlineEvents, Timers } from './link.js';
export type { LogLevel, LogSink } from './log.js';
export { ENGINE_DEFAULTS, type EngineOptions } from './options.js';
export type * from './types.js';
