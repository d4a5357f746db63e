export { MEMORY_BACKEND_DEFAULTS, MemoryBackend, type MemoryBackendOptions } from './backend/memory.js';
export type {
  Actor,
  Backend,
  BackendListener,
  BackendMessage,
  CommandRequest,
  Done,
  JoinRequest,
  JoinResult,
  KickedMember,
  KickMessage,
  Member,
  MessageRequest,
  MessageResult,
  PublishStreamRequest,
  Refusal,
  RemoveRequest,
  RemoveResult,
  RoomExtraRequest,
  RoomRef,
  RoomState,
  SequencedEvent,
  StreamExtraRequest,
  StreamRequest,
} from './backend/types.js';
export type {
  PublishOptions as TransportPublishOptions,
  Transport,
  TransportEvents,
  TransportLink,
} from './gateway/transport.js';
export { WsTransport, type WsTransportOptions } from './gateway/ws-transport.js';
export {
  type AppCredentials,
  type DuplicateLoginPolicy,
  OptionsError,
  type ResolvedOptions,
  type RoomServerOptions,
  resolveOptions,
  SERVER_DEFAULTS,
} from './options.js';
export { createRoomServer, DEFAULT_STATIC_DIR, type RoomServer } from './server.js';
