// Shared setup for the configuration tests: one apps list, config files written to a temporary
// folder that goes with the file's tests, and the ways a refusal is caught (by `atrium serve`'s
// planner and by createRoomServer).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { planServe } from '../src/cli/main.js';
import { createRoomServer, type OptionsError } from '../src/index.js';
import { SECRET } from './helpers.js';

export const apps = [{ appID: 7, serverSecret: SECRET }];

/**
 * A temporary folder for the calling test file (made before its tests, removed after them) and a
 * writer of config files in it: a string is written as it is, anything else as JSON.
 */
export function useConfigDir(prefix: string): {
  configFile: (name: string, content: unknown) => Promise<string>;
} {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    async configFile(name, content) {
      const path = join(dir, name);
      await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    },
  };
}

/** The message `atrium serve` refuses these arguments and variables with; a plan is a failure. */
export async function refusal(args: string[], env: Record<string, string> = {}): Promise<string> {
  let plan: unknown;
  try {
    plan = await planServe(args, undefined, env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected a refusal, got ${JSON.stringify(plan)}`);
}

/** The error createRoomServer refuses these options (over `apps`) with; a running server is a failure. */
export async function refusedByServer(options: Record<string, unknown>): Promise<OptionsError> {
  return createRoomServer({ apps, port: 0, logLevel: 'silent', ...options } as never).then(
    async (server) => {
      await server.close();
      throw new Error('expected a refusal');
    },
    (error: unknown) => error as OptionsError,
  );
}

/** Text for a RegExp that matches it to the letter. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
