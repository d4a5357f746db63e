// Per-test setup for the engine suites: fake servers and engines that are torn down after each test.
import { afterEach, expect } from 'vitest';
import { type EngineOptions, RoomEngine, RoomError, ServerError } from '../src/index.js';
import { FakeServer, type FakeServerOptions } from './fake-server.js';
import { Recorder } from './recorder.js';

export interface Client {
  engine: RoomEngine;
  rec: Recorder;
}

export function useHarness() {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    async server(options?: FakeServerOptions): Promise<FakeServer> {
      const s = await FakeServer.start(options);
      cleanups.push(() => s.close());
      return s;
    },
    client(url: string | string[], options: EngineOptions = {}): Client {
      const engine = new RoomEngine(1, url, { logLevel: 'silent', ...options });
      cleanups.push(() => engine.destroy());
      return { engine, rec: new Recorder(engine) };
    },
    onCleanup(fn: () => unknown): void {
      cleanups.push(fn);
    },
  };
}

export async function rejection(p: Promise<unknown>): Promise<RoomError> {
  const err = await p.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RoomError);
  return err as RoomError;
}

/** What a failed room/IM call (not a login) rejects with: a ServerError, never a resolved code. */
export async function serverError(p: Promise<unknown>): Promise<ServerError> {
  const err = await p.then(
    (v: unknown) => new Error(`resolved with ${JSON.stringify(v)}`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ServerError);
  return err as ServerError;
}

/** The code a failed call rejects with. */
export async function errorCode(p: Promise<unknown>): Promise<number> {
  return (await serverError(p)).errorCode;
}

/** What a synchronous call throws: a ServerError. */
export function thrown(fn: () => unknown): ServerError {
  let err: unknown = new Error('did not throw');
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ServerError);
  return err as ServerError;
}

export const u2 = { userID: 'u2', userName: 'Two' };
export const u3 = { userID: 'u3', userName: 'Three' };
export const u4 = { userID: 'u4', userName: 'Four' };
