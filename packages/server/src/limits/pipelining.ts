// HTTP/1.1 pipelining without reading the answers. Node stops reading a connection only once
// answers pile up unsent, but every route here answers after an await: nothing is waiting to be
// sent while the handlers run, so a peer that writes thousands of requests in one go gets them
// all parsed and started at once (each a request, a response and a handler), and the process
// grows by hundreds of megabytes. Here a connection is read no further while one of its
// requests is being answered, and a peer that packs more than a few requests into what it
// sent before its first answer is disconnected: browsers and HTTP clients do not pipeline.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Requests of one connection parsed but not yet answered, beyond which it is closed. */
export const MAX_PIPELINED_REQUESTS = 8;

const inFlight = new WeakMap<Socket, number>();

function resumeIfIdle(socket: Socket): void {
  if ((inFlight.get(socket) ?? 0) === 0 && !socket.destroyed) socket.resume();
}

/**
 * Wraps a request listener: one request answered at a time per connection, the next read only
 * after it; `onRefused` is told of a connection closed for pipelining too deep.
 */
export function limitPipelining(
  listener: RequestListener,
  onRefused: (socket: Socket) => void,
): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    // A connection cut below still has the rest of its chunk parsed: no handler runs for it.
    if (socket.destroyed) return;
    const n = (inFlight.get(socket) ?? 0) + 1;
    if (n > MAX_PIPELINED_REQUESTS) {
      onRefused(socket);
      socket.destroy();
      return;
    }
    inFlight.set(socket, n);
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (left > 0 || socket.destroyed) return;
      // A peer that does not read its answers is read no further until they have left.
      if (socket.writableNeedDrain) socket.once('drain', () => resumeIfIdle(socket));
      else socket.resume();
    };
    res.once('finish', finished);
    res.once('close', finished);
    // Paused only once this request is whole: its handler may still need the body from the socket.
    if (req.complete) socket.pause();
    else req.once('end', () => !done && socket.pause());
    listener(req, res);
  };
}
