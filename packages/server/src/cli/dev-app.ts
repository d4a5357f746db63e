// Development mode's app, kept in a file of the working directory so that its appID and secret
// survive a restart: open pages resume instead of ending in RECONNECT_FAILED (appID unknown), and
// tokens already handed out by /dev/token stay valid. The file is made on the first run and
// only ever read after: one that is corrupt or not ours is an error naming it, never replaced
// (it may hold something its owner wants).

import { randomBytes, randomInt } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkAppID } from '@atrium/protocol';
import { ConfigError } from '../config/load.js';
import type { AppCredentials } from '../options.js';

/** Where `atrium serve` keeps the app, relative to the working directory. */
export const DEV_APP_FILE = '.atrium-dev.json';

/** The file's marker: a JSON object without it is someone else's file. */
const KIND = 'atrium-dev-app';
const FIELDS = new Set(['kind', 'note', 'appID', 'serverSecret']);
const SECRET_LENGTH = 32;

export interface DevApp {
  app: AppCredentials;
  /** Absolute path of the file. */
  path: string;
  /** Made by this call rather than read. */
  created: boolean;
}

const refuse = (path: string, field: string, problem: string): ConfigError =>
  new ConfigError(path, field, `${problem} (fix it, or delete the file to have a new app made)`);

/** A new random app: an appID that fits ZEGO's signed 32-bit clients, a 32-character secret. */
export function randomDevApp(): AppCredentials {
  return { appID: randomInt(1, 0x7fffffff), serverSecret: randomBytes(SECRET_LENGTH / 2).toString('hex') };
}

/**
 * Reads the app from `file`; when there is none, writes `create` there (and says `created`),
 * or returns undefined when there is nothing to create.
 */
export async function loadDevApp(file: string, create?: AppCredentials): Promise<DevApp | undefined> {
  const path = resolve(file);
  const text = await readIfThere(path);
  if (text !== undefined) return { app: parseDevApp(path, text), path, created: false };
  if (create === undefined) return undefined;
  const app = { appID: create.appID, serverSecret: create.serverSecret };
  // Written whole under another name, then linked into place: a reader never sees half a file,
  // and of two servers started at once in one directory, the second uses the first's app.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const body = {
    kind: KIND,
    note: 'The app of `atrium serve` in development mode. Keep it private; delete it for a new app.',
    ...app,
  };
  try {
    await writeFile(temp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ConfigError(path, '(file)', `cannot be written: ${(error as Error).message}`);
    }
    const theirs = await readIfThere(path);
    if (theirs === undefined) throw new ConfigError(path, '(file)', 'vanished while being made');
    return { app: parseDevApp(path, theirs), path, created: false };
  } finally {
    await unlink(temp).catch(() => {});
  }
  return { app, path, created: true };
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(path, '(file)', `cannot be read: ${(error as Error).message}`);
  }
}

export function parseDevApp(path: string, text: string): AppCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw refuse(path, '(file)', `is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw refuse(path, '(file)', 'is not a JSON object');
  }
  const o = parsed as Record<string, unknown>;
  if (o.kind !== KIND) {
    throw refuse(path, '(file)', `is not an Atrium development app file (no "kind": "${KIND}")`);
  }
  const extra = Object.keys(o).find((k) => !FIELDS.has(k));
  if (extra !== undefined) throw refuse(path, extra, 'is not a field of a development app file');
  if (checkAppID(o.appID) !== 0) throw refuse(path, 'appID', 'must be an integer from 1 to 4294967295');
  if (typeof o.serverSecret !== 'string' || o.serverSecret.length !== SECRET_LENGTH) {
    throw refuse(path, 'serverSecret', `must be a ${SECRET_LENGTH}-character string`);
  }
  return { appID: o.appID as number, serverSecret: o.serverSecret };
}
