// The demo page's files. Paths are decoded, resolved and then checked to stay under the root
// (after symlinks too), so no `..`, encoded or not, reaches outside it.

import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { type HttpHandler, sendText } from './router.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * What `/` shows when there is no page to serve. Only inside a checkout of the Atrium repository
 * (the missing directory is the demo's `dist/`) does it name the repository's build command: an
 * installed server has no such command to run.
 */
async function noPage(root: string | undefined): Promise<string> {
  let demoCheckout = false;
  if (root !== undefined) {
    try {
      const pkg = JSON.parse(await readFile(resolve(root, '..', 'package.json'), 'utf8')) as {
        name?: unknown;
      };
      demoCheckout = pkg.name === '@atrium/demo';
    } catch {
      // No package.json next to it: not the repository's demo.
    }
  }
  const hint = demoCheckout
    ? '<p>The demo page is not built. Build it with <code>npm run build -w apps/demo</code> and restart the server.</p>'
    : '<p>No page is set up here: the option <code>staticDir</code> (<code>ATRIUM_STATIC_DIR</code>) names a directory to serve at <code>/</code>.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Atrium</title></head>
<body><h1>Atrium room server</h1>
${hint}
<p>A page loads the SDK with <code>&lt;script src="/atrium.js"&gt;&lt;/script&gt;</code> (the global <code>ZegoExpressEngine</code>, everything else under <code>Atrium</code>). The WebSocket endpoint is <code>/ws</code>; health at <code>/healthz</code>.</p>
</body></html>
`;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Resolves `pathname` under `root`, or undefined when it would leave it or cannot be read. */
export function resolveUnder(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const full = resolve(root, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
  return full === root || full.startsWith(root + sep) ? full : undefined;
}

export function staticHandler(rootDir: string | undefined): HttpHandler {
  const root = rootDir === undefined ? undefined : resolve(rootDir);
  return async (req, res, url) => {
    const isIndex = url.pathname === '/' || url.pathname === '/index.html';
    const notFound = async () =>
      isIndex
        ? sendText(res, 200, await noPage(root), 'text/html; charset=utf-8')
        : sendText(res, 404, 'not found\n');
    if (root === undefined || !(await isDirectory(root))) return notFound();
    let path = resolveUnder(root, url.pathname);
    if (path === undefined) return notFound();
    if (await isDirectory(path)) path = resolve(path, 'index.html');
    let real: string;
    let size: number;
    try {
      real = await realpath(path);
      const realRoot = await realpath(root);
      if (!real.startsWith(realRoot + sep)) return sendText(res, 404, 'not found\n');
      const info = await stat(real);
      if (!info.isFile()) return notFound();
      size = info.size;
    } catch {
      return notFound();
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
      'content-length': size,
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(real);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}
