// `/atrium.js`: the SDK's browser build, served by every server as Socket.IO serves its client, so
// a page needs no bundler: `<script src="/atrium.js">` gives `ZegoExpressEngine` (and `Atrium`).
// The file comes from the installed @atrium/sdk package, so the script always matches a published
// SDK version; it is read on each request (it is small) so a rebuild shows without a restart.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type HttpHandler, sendText } from './router.js';

export const SDK_SCRIPT_PATH = '/atrium.js';

/** Where the SDK's browser build is, or undefined when @atrium/sdk cannot be found. */
export function sdkScriptFile(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('@atrium/sdk/atrium.js');
  } catch {
    return undefined;
  }
}

export function sdkScriptHandler(file: string | undefined): HttpHandler {
  return async (req, res) => {
    let body: Buffer;
    try {
      if (file === undefined) throw new Error('not found');
      body = await readFile(file);
    } catch {
      sendText(res, 404, "the SDK's browser build (@atrium/sdk/dist/atrium.js) is not installed\n");
      return;
    }
    // Revalidated on every load (the path is stable across versions), answered by a 304 when unchanged.
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const headers = {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
      etag,
      'x-content-type-options': 'nosniff',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
