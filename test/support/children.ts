// The child processes a test process starts (redis-server, nginx, room server processes): each
// is killed when the test process exits, even if a test forgets to stop it, and `stopChild`
// ends one and waits until it is gone.

import type { ChildProcess } from 'node:child_process';

/** Each live child with the signal that ends it at exit. */
const running = new Map<ChildProcess, NodeJS.Signals>();
process.once('exit', () => {
  for (const [child, signal] of running) child.kill(signal);
});

/** Registers `child` to be ended with `signal` when the test process exits; returns it. */
export function track<T extends ChildProcess>(child: T, signal: NodeJS.Signals = 'SIGKILL'): T {
  running.set(child, signal);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Sends `signal` (SIGKILL: an outage, not a clean shutdown) and resolves once the child has exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** The child's stdout and stderr so far (the first `limit` characters), for failure messages. */
export function outputOf(child: ChildProcess, limit: number): () => string {
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < limit) output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => output;
}

/**
 * Rejects with `describe(code)` once the child exits (or with the error if it cannot start), to
 * race against a readiness check. Never an unhandled rejection when nobody races it.
 */
export function exitOf(child: ChildProcess, describe: (code: number | null) => string): Promise<never> {
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(describe(code))));
  });
  exited.catch(() => {});
  return exited;
}
