// An HTTP upgrade the server has not answered yet (the gateway keeps it at the door while a
// reconnect storm is served, see admission.ts). Nothing is written to the client meanwhile; what
// it sends is kept for the WebSocket, and if it closes the connection, the upgrade is dropped
// at once, so a client that gave up is never served. Node hands an upgrade's socket over with
// no reader, so without one here a client's FIN would go unseen until the server wrote to it.

import type { Duplex } from 'node:stream';
import type { Door } from './transport.js';

/**
 * A WebSocket client sends nothing before the server's answer; one that sends more than this
 * while held is not one, and is dropped like a client that left.
 */
const MAX_HELD_BYTES = 16 * 1024;

export function holdUpgrade(socket: Duplex, head: Buffer, upgrade: (head: Buffer) => void): Door {
  const chunks: Buffer[] = head.length > 0 ? [head] : [];
  let bytes = head.length;
  let gone: (() => void) | undefined;
  let state: 'held' | 'entered' | 'gone' = 'held';
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    bytes += chunk.length;
    if (bytes > MAX_HELD_BYTES) onEnd();
  };
  const onEnd = () => {
    if (state !== 'held') return;
    state = 'gone';
    release();
    socket.destroy();
    gone?.();
  };
  const release = () => {
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('close', onEnd);
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  return {
    enter() {
      if (state !== 'held') return;
      state = 'entered';
      // No pause here: the upgrade below reads on at once (its reader is attached before this
      // turn ends), and a paused socket would stay paused for it.
      release();
      upgrade(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    },
    onGone(fn) {
      gone = fn;
    },
    drop() {
      onEnd();
    },
  };
}
