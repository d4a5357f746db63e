export { adminSignature } from './admin/auth.js';
export { type AdminReply, AdminService, type AdminServiceOptions } from './admin/service.js';
export type * from './backend/backend.js';
export {
  MEMORY_BACKEND_DEFAULTS,
  MemoryBackend,
  type MemoryBackendOptions,
} from './backend/memory/memory.js';
export { REDIS_BACKEND_DEFAULTS, RedisBackend, type RedisBackendOptions } from './backend/redis/redis.js';
export type * from './backend/types.js';
export type {
  PublishOptions as TransportPublishOptions,
  Transport,
  TransportEvents,
  TransportLink,
} from './gateway/transport.js';
export { WsTransport, type WsTransportOptions } from './gateway/ws-transport.js';
export {
  type MetricSources,
  type ResumeOutcome,
  ServerMetrics,
  type ServerMetricsOptions,
} from './metrics/metrics.js';
export {
  type AppCredentials,
  type DuplicateLoginPolicy,
  OptionsError,
  type ResolvedOptions,
  type ResolvedWebhook,
  type RoomServerOptions,
  resolveOptions,
  SERVER_DEFAULTS,
  WEBHOOK_DEFAULTS,
  type WebhookOptions,
} from './options.js';
export { createRoomServer, DEFAULT_STATIC_DIR, type RoomServer } from './server.js';
export type { WebhookEvent, WebhookEventName } from './webhooks/events.js';
export { webhookSignature } from './webhooks/signature.js';
