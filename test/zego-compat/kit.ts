// What the compatibility scenarios need besides the SDK: the harness a scenario runs in, event
// waits, and assertions. It runs unchanged in Node and in a browser page, so it imports no test
// framework and nothing from Node; it knows the SDK only by ZEGO's type names.

import type { ZegoEvent, ZegoExpressEngine, ZegoUser } from '@atrium/sdk';

/** What a scenario gets from whoever runs it: the engine class, the server and the app's backend. */
export interface Harness {
  /** The class as a ZEGO app imports it. */
  ZegoExpressEngine: typeof ZegoExpressEngine;
  /** The server URL for `new ZegoExpressEngine(appID, server)`. */
  server: string;
  appID: number;
  /** A Token04 from the app's backend; `canPublish: false` for a token without publish privilege. */
  token(userID: string, canPublish?: boolean): Promise<string>;
  /** The app's backend kicking a user through the server API (KickoutUser with a custom reason). */
  kick(roomID: string, userID: string, reason: string): Promise<void>;
}

export type EventName = keyof ZegoEvent;
export type Args<K extends EventName> = Parameters<ZegoEvent[K]>;

/** Long enough for a loaded 2-core machine; a scenario failing on it names what it waited for. */
const WAIT_MS = 15_000;

/** Engines a scenario made, all torn down the way a ZEGO app does, whatever the outcome. */
export class Scope {
  private readonly engines: ZegoExpressEngine[] = [];

  constructor(readonly h: Harness) {}

  engine(): ZegoExpressEngine {
    const zg = new this.h.ZegoExpressEngine(this.h.appID, this.h.server);
    // A ZEGO app silences the SDK's console this way; the expected failures below would log.
    zg.setLogConfig({ logLevel: 'disable' });
    this.engines.push(zg);
    return zg;
  }

  /** An engine (a fresh one unless given) logged in to `roomID` as `userID`, with user updates on. */
  async login(
    roomID: string,
    userID: string,
    o: { canPublish?: boolean; zg?: ZegoExpressEngine } = {},
  ): Promise<ZegoExpressEngine> {
    const zg = o.zg ?? this.engine();
    const ok = await zg.loginRoom(roomID, await this.h.token(userID, o.canPublish), user(userID), {
      userUpdate: true,
    });
    check(ok === true, `loginRoom(${roomID}) as ${userID} resolved ${String(ok)}, not true`);
    return zg;
  }

  close(): void {
    for (const zg of this.engines.splice(0)) {
      try {
        zg.destroyEngine();
      } catch {
        // Already destroyed by the scenario itself.
      }
    }
  }
}

export function user(userID: string): ZegoUser {
  return { userID, userName: `name-${userID}` };
}

/** Registers at once; resolves with the first `event` whose arguments match, then unregisters. */
export function next<K extends EventName>(
  zg: ZegoExpressEngine,
  event: K,
  match: (...args: Args<K>) => boolean = () => true,
  what = `${event}`,
): Promise<Args<K>> {
  return new Promise((resolve, reject) => {
    const cb = (...args: Args<K>) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      zg.off(event, cb as ZegoEvent[K]);
      resolve(args);
    };
    const timer = setTimeout(() => {
      zg.off(event, cb as ZegoEvent[K]);
      reject(new Error(`no ${what} within ${WAIT_MS} ms`));
    }, WAIT_MS);
    check(zg.on(event, cb as ZegoEvent[K]) === true, `on('${event}') did not return true`);
  });
}

/** Every `event` from now on, in delivery order. */
export function record<K extends EventName>(zg: ZegoExpressEngine, event: K): Args<K>[] {
  const seen: Args<K>[] = [];
  const cb = (...args: Args<K>) => {
    seen.push(args);
  };
  check(zg.on(event, cb as ZegoEvent[K]) === true, `on('${event}') did not return true`);
  return seen;
}

/** A custom command from `from` to `to` that `to` has received, once it has: events of a room arrive in order. */
export async function barrier(
  from: ZegoExpressEngine,
  to: ZegoExpressEngine,
  roomID: string,
  toUserID: string,
) {
  const marker = `barrier-${Math.random().toString(36).slice(2)}`;
  const got = next(
    to,
    'IMRecvCustomCommand',
    (r, _u, c) => r === roomID && c === marker,
    'the barrier command',
  );
  await from.sendCustomCommand(roomID, marker, [toUserID]);
  await got;
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Deep equality by JSON (byte arrays as number lists), with both sides in the message. */
export function same(actual: unknown, expected: unknown, what: string): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)) ?? 'undefined';
}

/** What a ZEGO app's `catch (err)` reads off a failed IM or stream call. */
export interface Failure {
  errorCode: number;
  extendedData?: string;
}

/** Runs the call as a ZEGO app does (`try { await … } catch (err) { err.errorCode }`) and returns the caught value. */
export async function failure(what: string, call: () => Promise<unknown>): Promise<Failure> {
  let result: unknown;
  try {
    result = await call();
  } catch (err) {
    const e = err as Partial<Failure> | null;
    check(typeof e?.errorCode === 'number', `${what}: rejected without a numeric errorCode: ${show(err)}`);
    check(
      e.extendedData === undefined || typeof e.extendedData === 'string',
      `${what}: extendedData is not a string: ${show(e.extendedData)}`,
    );
    return e as Failure;
  }
  throw new Error(`${what}: resolved ${show(result)} where ZEGO rejects`);
}

/** The same for loginRoom / switchRoom, which reject with `{ code, msg }`. */
export async function loginFailure(what: string, call: () => Promise<unknown>): Promise<{ code: number }> {
  let result: unknown;
  try {
    result = await call();
  } catch (err) {
    const e = err as { code?: unknown; msg?: unknown } | null;
    check(typeof e?.code === 'number', `${what}: rejected without a numeric code: ${show(err)}`);
    check(typeof e.msg === 'string', `${what}: rejected without a msg string: ${show(err)}`);
    return { code: e.code };
  }
  throw new Error(`${what}: resolved ${show(result)} where ZEGO rejects`);
}

/** A scenario body run in its own scope: its engines are destroyed however it ends. */
export const scenario =
  (body: (s: Scope) => Promise<void>) =>
  async (h: Harness): Promise<void> => {
    const s = new Scope(h);
    try {
      await body(s);
    } finally {
      s.close();
    }
  };

export type Scenarios = Record<string, (h: Harness) => Promise<void>>;
