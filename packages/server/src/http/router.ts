// A small router for the server's one HTTP listener. Routes are tried in order; the first
// whose `match` accepts the request handles it. The admin API (`/?Action=…`) and `/metrics`
// will be added as routes here.

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
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
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
