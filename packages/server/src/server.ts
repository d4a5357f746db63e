// `createRoomServer`: one HTTP listener serving the WebSocket endpoint (/ws), the admin API,
// health checks, /metrics, the SDK's browser build (/atrium.js), the demo page and, in
// development mode, /dev/token and /dev/admin; the room rules over a Backend behind it, webhooks
// derived from the backend's events. Built in phases: the backend, the room context and its
// gateway, the backend's messages wired to them, the HTTP routes, then listening and the sweep.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WS_PATH } from '@atrium/protocol';
import type { Logger } from 'pino';
import { AdminService } from './admin/service.js';
import type { Backend } from './backend/backend.js';
import { MemoryBackend } from './backend/memory/memory.js';
import { RedisBackend } from './backend/redis/redis.js';
import { checkDevMode, checkOptionNames, isLoopbackHost } from './config/safety.js';
import { Admission } from './gateway/admission.js';
import { RoomFanout } from './gateway/fanout.js';
import { Gateway } from './gateway/gateway.js';
import { WsTransport } from './gateway/ws-transport.js';
import { guardDev } from './http/dev-guard.js';
import { devTokenHandler } from './http/dev-token.js';
import { createRouter, get, type HttpRoute, sendText } from './http/router.js';
import { SDK_SCRIPT_PATH, sdkScriptFile, sdkScriptHandler } from './http/sdk-script.js';
import { staticHandler } from './http/static.js';
import { addressKey, guardHttpServer } from './limits/http-guard.js';
import { limitPipelining } from './limits/pipelining.js';
import { Refusals } from './limits/refusals.js';
import { createLogger } from './logger.js';
import { ServerMetrics } from './metrics/metrics.js';
import { type ResolvedOptions, type RoomServerOptions, resolveOptions } from './options.js';
import type { RoomContext } from './rooms/context.js';
import { applyKick, KickTombstones } from './rooms/kick.js';
import { PendingRemovals } from './rooms/removals.js';
import { createWebhooks, type Webhooks } from './webhooks/webhooks.js';

export interface RoomServer {
  /** What RoomEngine connects to: `ws://host:port/ws`. */
  readonly wsUrl: string;
  /** `http://host:port`: the admin API (`/?Action=…`), /metrics, /healthz, /readyz, the page. */
  readonly httpUrl: string;
  /** With `metricsPort`: `http://metricsHost:port`, serving /metrics, /healthz and /readyz. */
  readonly metricsUrl?: string | undefined;
  /** Closes every link, the timers and the HTTP listener. Idempotent. */
  close(): Promise<void>;
}

/** The demo page as built in this repository, next to this package. */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../../apps/demo/dist/', import.meta.url));

const monoNow = (): number => performance.now();
const newID = (): string => randomBytes(16).toString('base64url');

function sweepEveryMs(options: ResolvedOptions): number {
  const ms = Math.min(options.heartbeatIntervalMs / 2, options.onlineCountIntervalMs / 2, 1000);
  return Math.max(10, Math.floor(ms));
}

/** The host to put in URLs: a wildcard bind is reached through loopback from this machine. */
function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** The HTTP routes of the public listener, and those of the metrics listener (when it has one). */
interface Routes {
  routes: HttpRoute[];
  opsRoutes: HttpRoute[];
}

/** The parts of a running server that its phases hand each other. */
interface Parts {
  options: ResolvedOptions;
  log: Logger;
  backend: Backend;
  ctx: RoomContext;
  fanout: RoomFanout;
  gateway: Gateway;
  transport: WsTransport;
  metrics: ServerMetrics;
  /** Where a refusal of a limit is counted and logged. */
  refusals: Refusals;
  webhooks: Webhooks | undefined;
  /** Set once `close()` was called. */
  closing: () => boolean;
}

export async function createRoomServer(input: RoomServerOptions): Promise<RoomServer> {
  // The same checks as a config file's: an unknown option is a mistake, not something to ignore.
  checkOptionNames(input);
  const options = resolveOptions(input);
  checkDevMode(options, process.env);
  const log = createLogger(options.logLevel, options.logStream, options.logFormat);
  const backend = options.backend ?? ownBackend(options, log);
  let closing: Promise<void> | undefined;
  const parts = assemble(options, log, backend, () => closing !== undefined);
  const unwire = wireBackend(parts);
  const { routes, opsRoutes } = routesOf(parts);
  const pipelined = (socket: Socket) =>
    parts.refusals.note('http_pipelining', { ip: addressKey(socket.remoteAddress ?? '') });
  const http = createServer(limitPipelining(createRouter(routes, log), pipelined));
  const guard = guardHttpServer(http, options, parts.refusals, parts.gateway);
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH || closing !== undefined) socket.destroy();
    else {
      const ticket = guard.admitUpgrade(req, socket);
      if (ticket !== undefined) parts.transport.handleUpgrade(req, socket, head, ticket);
    }
  });
  http.on('clientError', guard.clientError);

  // A node on Redis answers its first links only once it can serve them (or after a while, when
  // Redis is down: /readyz says so and logins are told to come back).
  await backend.whenReady();
  await listen(http, options.port, options.host);
  const { port } = http.address() as AddressInfo;
  const base = `${hostForUrl(options.host)}:${port}`;
  const ops =
    options.metricsPort === undefined
      ? undefined
      : await listenOps(
          createServer(limitPipelining(createRouter(opsRoutes, log), pipelined)),
          options.metricsPort,
          options.metricsHost,
        ).catch(async (error: unknown) => {
          await new Promise<void>((resolve) => http.close(() => resolve()));
          if (options.backend === undefined) await backend.close();
          throw error;
        });
  parts.gateway.admission.start();
  const timer = setInterval(() => {
    try {
      parts.gateway.sweep();
    } catch (error) {
      log.error({ err: error }, 'sweep failed');
    }
  }, sweepEveryMs(options));
  log.info(
    {
      url: `http://${base}`,
      apps: options.apps.map((a) => a.appID),
      devMode: options.devMode,
      // The origin only: a URL may carry credentials in its user info or query.
      webhook: options.webhook === undefined ? undefined : new URL(options.webhook.url).origin,
      metricsUrl: ops?.url,
    },
    'room server listening',
  );
  if (options.devMode && !isLoopbackHost(options.host)) {
    log.warn(
      { host: options.host },
      'development mode exposed beyond loopback: /dev/token and /dev/admin are open to anyone who reaches it',
    );
  }
  if (options.devMode && options.devExpose && isLoopbackHost(options.host)) {
    // It used to switch the Host check off; now it only lets IP-address Hosts through.
    log.warn(
      { host: options.host },
      'devExpose on a loopback host does nothing useful: list the names to answer in devAllowedHosts',
    );
  }

  const close = async (): Promise<void> => {
    clearInterval(timer);
    parts.gateway.admission.stop();
    await parts.gateway.shutdown();
    await parts.transport.close();
    // The sessions' ends above are webhook events too: give them their drain time.
    await parts.webhooks?.close();
    unwire();
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
    if (ops !== undefined) {
      await new Promise<void>((resolve) => {
        ops.server.close(() => resolve());
        ops.server.closeAllConnections();
      });
    }
    if (options.backend === undefined) await backend.close();
    log.info('room server closed');
  };
  return {
    wsUrl: `ws://${base}${WS_PATH}`,
    httpUrl: `http://${base}`,
    metricsUrl: ops?.url,
    close(): Promise<void> {
      closing ??= close();
      return closing;
    },
  };
}

/** The backend the server makes (and closes) when none is given: Redis if named, else memory. */
function ownBackend(options: ResolvedOptions, log: Logger): Backend {
  const onListenerError = (error: unknown) => log.error({ err: error }, 'backend subscriber failed');
  if (options.redis === undefined) {
    return new MemoryBackend({ historyMaxEvents: options.historyMaxEvents, onListenerError });
  }
  return new RedisBackend({
    url: options.redis,
    historyMaxEvents: options.historyMaxEvents,
    sessionGraceMs: options.sessionGraceMs,
    kickMemoryMs: options.kickMemoryMs,
    leaseTtlMs: options.leaseTtlMs,
    // Each room's queue in Redis is the room's own: its bound is the per-room one.
    webhookQueueMax: options.webhook?.maxQueuedPerRoom ?? 0,
    onListenerError,
    log,
  });
}

/** The room context, the fan-out, the gateway over the transport, metrics and webhooks. */
function assemble(options: ResolvedOptions, log: Logger, backend: Backend, closing: () => boolean): Parts {
  const admission = new Admission(
    {
      lagBudgetMs: options.admissionLagMs,
      maxPendingLinks: options.admissionMaxPendingLinks,
      maxGraceStretchMs: options.sessionGraceMs,
    },
    monoNow,
  );
  const metrics = new ServerMetrics(
    {
      links: () => gateway.linkCount,
      sessions: () => ctx.sessions.size,
      rooms: () =>
        new Set(
          [...ctx.sessions.values()].flatMap((s) =>
            [...s.rooms.values()].map((r) => `${r.ref.appID} ${r.ref.roomID}`),
          ),
        ).size,
      members: () => [...ctx.sessions.values()].reduce((n, s) => n + s.rooms.size, 0),
      webhookQueueDepth: () => webhooks?.depth ?? 0,
      admission: () => ({
        lagMs: admission.lagMs,
        pending: admission.pending,
        waiting: gateway.door.entry.size,
        shed: admission.shedTotal,
        abandoned: admission.abandonedTotal,
        queued: admission.queuedTotal,
        left: gateway.door.entry.leftTotal + gateway.door.entry.droppedTotal,
      }),
    },
    { processMetrics: options.processMetrics },
  );
  const cluster = backend.cluster;
  const webhooks: Webhooks | undefined =
    options.webhook === undefined
      ? undefined
      : createWebhooks(options.webhook, { now: options.now, log, metrics }, cluster?.hookQueue);
  const refusals = new Refusals(metrics, log, monoNow);
  const transport = new WsTransport({
    maxPayloadBytes: options.maxPayloadBytes,
    maxPayloadBeforeLoginBytes: options.loginMaxMessageBytes,
    maxBufferedBytes: options.linkMaxBufferedBytes,
    totalMaxBufferedBytes: options.serverMaxBufferedBytes,
    onSent: (frames) => metrics.framesDelivered(frames),
    onLimit: (limit, count) => refusals.note(limit, {}, count),
  });
  const fanout = new RoomFanout(
    transport,
    options.onlineCountIntervalMs,
    monoNow,
    options.onlineCountEveryChangeBelow,
  );
  const ctx: RoomContext = {
    backend,
    options,
    secrets: new Map(options.apps.map((a) => [a.appID, a.serverSecret])),
    sessions: new Map(),
    local: fanout,
    now: options.now,
    monoNow,
    newID,
    log,
    settleSoon: (session) => gateway.settleSoon(session),
    detach: (session) => gateway.detach(session),
    kicks: new KickTombstones(monoNow),
    removals: new PendingRemovals({
      remove: (request) => backend.remove(request),
      ready: () => backend.ready(),
      takenElsewhere: async (id) => (await cluster?.sessions.takenElsewhere(id)) === true,
      log,
    }),
    metrics,
    limited: (limit, detail) => refusals.note(limit, detail),
  };
  const gateway = new Gateway(ctx, fanout, monoNow, refusals, admission);
  transport.listen(gateway.events);
  return { options, log, backend, ctx, fanout, gateway, transport, metrics, refusals, webhooks, closing };
}

/** The backend's messages to metrics, webhooks and the fan-out; its losses to the gateway. */
function wireBackend({ backend, ctx, fanout, gateway, metrics, webhooks, log }: Parts): () => void {
  // Before the fan-out, so a kick is counted while its session is still this server's.
  const unobserve = backend.subscribe((message) => {
    metrics.observe(message, (sessionID) => ctx.sessions.has(sessionID));
    webhooks?.observe(message);
  });
  const unsubscribe = backend.subscribe((message) => {
    try {
      if (message.kind !== 'kick') fanout.deliver(message);
      else if (!fanout.holdKick(message)) applyKick(ctx, message);
    } catch (error) {
      log.error({ err: error, kind: message.kind }, 'fan-out failed');
    }
  });
  // On a Redis Cluster only one shard may have lost its state: the others still hold this node's
  // memberships, which must go too (endAll removes what is left; on an empty Redis, nothing).
  const unreset = backend.cluster?.onReset(() => gateway.endAll('backend state lost'));
  const unfenced = backend.cluster?.onFenced(() => gateway.endAll('node fenced'));
  return () => {
    unobserve();
    unreset?.();
    unfenced?.();
    unsubscribe();
  };
}

/** Health, readiness, metrics, the admin API, the development helpers and the page. */
function routesOf({ options, backend, ctx, metrics, refusals, log, closing }: Parts): Routes {
  const admin = new AdminService({
    backend,
    secrets: ctx.secrets,
    rateLimitPerSec: options.adminRateLimitPerSec,
    rateLimitPerSourcePerSec: options.adminRateLimitPerSourcePerSec,
    now: options.now,
    monoNow,
    log,
    metrics,
    bodyTimeoutMs: options.adminBodyTimeoutMs,
    onBodyTimeout: () => refusals.note('admin_body'),
    streamQuota: { maxPerMember: options.maxStreamsPerMember, maxPerRoom: options.maxStreamsPerRoom },
    onLimit: (limit) => refusals.note(limit),
  });
  const opsRoutes: HttpRoute[] = [
    { name: 'healthz', match: get('/healthz'), handle: (_q, res) => sendText(res, 200, 'ok\n') },
    {
      name: 'readyz',
      match: get('/readyz'),
      handle: (_q, res) => {
        if (closing()) return sendText(res, 503, 'closing\n');
        if (!backend.ready()) return sendText(res, 503, 'backend not ready\n');
        sendText(res, 200, 'ready\n');
      },
    },
    {
      name: 'metrics',
      match: get('/metrics'),
      handle: async (_q, res) => {
        const { contentType, body } = await metrics.render();
        sendText(res, 200, body, contentType);
      },
    },
  ];
  // With a metrics listener of its own, /metrics leaves the public one; the health checks stay
  // on both (a load balancer probes the port it balances).
  const routes: HttpRoute[] = [
    ...(options.metricsPort === undefined ? opsRoutes : opsRoutes.filter((r) => r.name !== 'metrics')),
    { name: 'admin', match: (req, url) => admin.matches(req, url), handle: admin.handle },
  ];
  const devApp = options.apps[0];
  if (options.devMode && devApp !== undefined) {
    const exposed = options.devExpose;
    const allowedHosts = options.devAllowedHosts;
    routes.push({
      name: 'dev-token',
      match: get('/dev/token'),
      handle: guardDev(devTokenHandler(devApp), { exposed, allowedHosts, jsonBody: false }),
    });
    routes.push({
      name: 'dev-admin',
      match: (req, url) => req.method === 'POST' && url.pathname === '/dev/admin',
      handle: guardDev(admin.devHandler(devApp.appID), { exposed, allowedHosts, jsonBody: true }),
    });
  }
  routes.push({ name: 'sdk-script', match: get(SDK_SCRIPT_PATH), handle: sdkScriptHandler(sdkScriptFile()) });
  routes.push({
    name: 'static',
    match: (req) => req.method === 'GET' || req.method === 'HEAD',
    handle: staticHandler(options.staticDir ?? DEFAULT_STATIC_DIR),
  });
  return { routes, opsRoutes };
}

const LISTEN_BACKLOG = 4096;

function listen(http: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    http.once('error', onError);
    // A deep accept queue: when thousands of members come back at once, Node's default (511)
    // overflows and the kernel drops SYNs, so a fresh login waits a whole TCP retransmission
    // (1 s) before the server even sees it. The kernel caps this at net.core.somaxconn.
    http.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      http.off('error', onError);
      resolve();
    });
  });
}

/** The listener of /metrics and the health checks, when it has a port of its own. */
async function listenOps(
  server: Server,
  port: number,
  host: string,
): Promise<{ server: Server; url: string }> {
  server.on('clientError', (_error, socket) => socket.destroy());
  await listen(server, port, host);
  return { server, url: `http://${hostForUrl(host)}:${(server.address() as AddressInfo).port}` };
}
