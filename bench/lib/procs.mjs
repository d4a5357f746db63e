// Child processes of a benchmark: the server under test, the load clients and the proxy each run
// in their own process, driven over Node's IPC channel with small request/response calls. Every
// child is registered here and killed when the benchmark ends, fails or is interrupted; a child
// whose parent goes away exits by itself (lib/child.mjs).
// Server CPU and memory come from /proc/<pid>, so client work never blurs them.

import { execFileSync, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';

const children = new Set();
let exitHooked = false;

function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
}

/**
 * Forks `script` and waits for its `{ ready }` message. Returns a handle with `call(cmd, args)`
 * (rejects after `timeoutMs`), `pid`, `info` (what the child sent with ready) and `stop()`.
 */
export async function startChild(
  script,
  { args = [], execArgv = [], readyTimeoutMs = 20_000, name, env } = {},
) {
  hookExit();
  const child = fork(script, args, {
    execArgv: ['--max-old-space-size=4096', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: env === undefined ? process.env : { ...process.env, ...env },
  });
  children.add(child);
  const label = name ?? script;
  const pending = new Map();
  let nextID = 1;
  let exited = false;
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label}: not ready in ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    child.on('message', (message) => {
      if (message?.ready === true) {
        clearTimeout(timer);
        resolve(message.info ?? {});
        return;
      }
      const waiter = pending.get(message?.id);
      if (waiter === undefined) return;
      pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${label} ${waiter.cmd}: ${message.error}`));
    });
    child.on('exit', (code, signal) => {
      exited = true;
      children.delete(child);
      clearTimeout(timer);
      reject(new Error(`${label} exited before ready (${code ?? signal})`));
      for (const waiter of pending.values()) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`${label} exited (${code ?? signal}) during ${waiter.cmd}`));
      }
      pending.clear();
    });
  });
  const info = await ready;
  return {
    pid: child.pid,
    info,
    name: label,
    call(cmd, callArgs = {}, timeoutMs = 120_000) {
      if (exited) return Promise.reject(new Error(`${label} has exited`));
      const id = nextID++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${label} ${cmd}: no answer in ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer, cmd });
        child.send({ id, cmd, args: callArgs });
      });
    },
    /** Kills the child and waits for it to be gone (at most 3 s). */
    async stop() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 3000))]);
    },
  };
}

/** Stops every handle given, ignoring the ones already gone. */
export async function stopAll(handles) {
  await Promise.all(handles.filter(Boolean).map((h) => h.stop().catch(() => {})));
}

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds the process has used, from /proc/<pid>/stat (clock-tick resolution). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses; the fields after the last ')' do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3 of stat(5); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / ticksPerSecond();
}

/** Resident set size in bytes, from /proc/<pid>/status (VmRSS). */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export function epochMs() {
  return performance.timeOrigin + performance.now();
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check()` every `everyMs` until it returns a truthy value or `timeoutMs` passes; returns
 * the last value (falsy on timeout). Bounded in time by construction.
 */
export async function pollUntil(check, { everyMs = 50, timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let value = await check();
  while (!value && Date.now() < deadline) {
    await sleep(everyMs);
    value = await check();
  }
  return value;
}
