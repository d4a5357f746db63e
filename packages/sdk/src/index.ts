export {
  type BackoffPolicyOptions,
  backoffPolicy,
  nextDelayMs,
  type ReconnectContext,
  type ReconnectPolicy,
} from './backoff.js';
export { RoomError } from './errors.js';
export type { RoomEventName, RoomEvents } from './events.js';
export type * from './types.js';
