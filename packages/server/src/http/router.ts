// A small router for the server's HTTP listeners. Routes are tried in order; the first whose
// `match` accepts the request handles it.
//
// The path routes match is the request target exactly as sent. A proxy in front may refuse
// /metrics or /dev/ by path: what it matches on must be what we route on. Resolving the target
// as a URL would not be: `//x/metrics` (and `/\x/metrics`) read as host `x`, path `/metrics`,
// and `/dev/../metrics`, `/dev\token` are rewritten — while a proxy normalises them differently
// for its own rules and forwards them raw. So a target must start with one `/` and be in the
// form URL parsing keeps as it is; anything else is a 400.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface HttpRoute {
  /** For logs. */
  name: string;
  match(req: IncomingMessage, url: URL): boolean;
  handle: HttpHandler;
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

export const get = (path: string) => (req: IncomingMessage, url: URL) =>
  (req.method === 'GET' || req.method === 'HEAD') && url.pathname === path;

export function createRouter(routes: readonly HttpRoute[], log: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = targetOf(req.url ?? '');
    if (url === undefined) {
      sendText(res, 400, 'bad request\n');
      return;
    }
    const route = routes.find((r) => r.match(req, url));
    if (route === undefined) {
      sendText(res, 404, 'not found\n');
      return;
    }
    Promise.resolve()
      .then(() => route.handle(req, res, url))
      .catch((error: unknown) => {
        log.error({ err: error, route: route.name }, 'http handler failed');
        if (!res.headersSent) sendText(res, 500, 'internal error\n');
        else res.destroy();
      });
  };
}

/** The request target as a URL, or undefined unless its path is exactly what was sent. */
export function targetOf(target: string): URL | undefined {
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  let url: URL;
  try {
    url = new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
  return url.host === 'localhost' && url.pathname === path ? url : undefined;
}
