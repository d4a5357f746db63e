// The `atrium` command: `serve` runs a room server, `token` prints a Token04. `main` takes its
// arguments and output streams as parameters so tests can run it in-process.

import { randomBytes, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { generateToken04, makePrivilegePayload } from '@atrium/token';
import { attribute, ConfigError, mergeConfig, parseConfigFile } from '../config/load.js';
import { checkDevMode, checkOptionNames, isLoopbackHost } from '../config/safety.js';
import { OptionsError, type RoomServerOptions, resolveOptions } from '../options.js';
import { createRoomServer, type RoomServer } from '../server.js';

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export const USAGE = `Usage:
  atrium serve [--port 8800] [--host 127.0.0.1] [--config atrium.json] [--redis redis://…]
               [--dev-expose] [--dev-allowed-hosts name,name]
      Run a room server. With nothing naming an app (no --config, no ATRIUM_APPS) it runs in
      development mode: one app with a random appID and secret, printed at start,
      GET /dev/token and POST /dev/admin for the demo page, on loopback only (--dev-expose
      serves it on another --host, answering IP addresses and the names --dev-allowed-hosts
      lists; only with NODE_ENV unset, development or test). A config file must name its apps
      (or set "devMode": true). With --redis (or "redis" in the config) it is one node of a
      cluster: every node given the same Redis serves the same rooms.
  atrium token --app-id <id> --secret <32 chars> --user <userID> [--room <roomID>] [--ttl 3600]
      Print a Token04. With --room the token carries a privilege payload for that room.
  atrium --help
`;

/** Exit codes: 0 fine, 1 failed at run time, 2 bad usage or configuration. */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  try {
    if (command === 'serve') return await serveCommand(rest, io);
    if (command === 'token') return tokenCommand(rest, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof OptionsError || error instanceof ConfigError) {
      io.stderr(`atrium: ${error.message}\n`);
      return 2;
    }
    io.stderr(`atrium: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  io.stderr(command === undefined ? USAGE : `atrium: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  return 2;
}

class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

function parse(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): Values {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as Values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

// ---------------------------------------------------------------- token

export function tokenCommand(args: readonly string[], io: CliIO): number {
  const values = parse(args, {
    'app-id': { type: 'string' },
    secret: { type: 'string' },
    user: { type: 'string' },
    room: { type: 'string' },
    ttl: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const appID = integer('app-id', str(values, 'app-id'), 1, 0xffffffff);
  const secret = str(values, 'secret');
  const userID = str(values, 'user');
  if (appID === undefined || secret === undefined || userID === undefined) {
    throw new UsageError('token needs --app-id, --secret and --user');
  }
  const ttl = integer('ttl', str(values, 'ttl'), 1, 0x7fffffff) ?? 3600;
  const room = str(values, 'room');
  const payload = room === undefined ? '' : makePrivilegePayload({ roomID: room });
  try {
    io.stdout(`${generateToken04(appID, userID, secret, ttl, payload)}\n`);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  return 0;
}

// ---------------------------------------------------------------- serve

export interface ServePlan {
  options: RoomServerOptions;
  devMode: boolean;
}

/**
 * Reads the config file, the environment (ATRIUM_*) and the flags, in that order of
 * precedence from low to high, into server options; dev mode when no app is named.
 */
export async function planServe(
  args: readonly string[],
  read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ServePlan> {
  const values = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
    redis: { type: 'string' },
    'dev-expose': { type: 'boolean' },
    'dev-allowed-hosts': { type: 'string' },
  });
  let file: { path: string; options: Record<string, unknown> } | undefined;
  const configPath = str(values, 'config');
  if (configPath !== undefined) {
    let text: string;
    try {
      text = await read(configPath);
    } catch (error) {
      throw new UsageError(`cannot read ${configPath}: ${error instanceof Error ? error.message : error}`);
    }
    file = { path: configPath, options: parseConfigFile(configPath, text) };
  }
  const flags: Record<string, { flag: string; value: unknown }> = {};
  const port = integer('port', str(values, 'port'), 0, 65535);
  if (port !== undefined) flags.port = { flag: '--port', value: port };
  const host = str(values, 'host');
  if (host !== undefined) flags.host = { flag: '--host', value: host };
  const redis = str(values, 'redis');
  if (redis !== undefined) flags.redis = { flag: '--redis', value: redis };
  if (values['dev-expose'] === true) flags.devExpose = { flag: '--dev-expose', value: true };
  const allowedHosts = str(values, 'dev-allowed-hosts');
  if (allowedHosts !== undefined) {
    const value = allowedHosts.split(',').map((h) => h.trim());
    flags.devAllowedHosts = { flag: '--dev-allowed-hosts', value };
  }
  const { options: config, sources } = mergeConfig(file, env, flags);
  // Development mode only when asked or when nothing names an app: an `apps` that is there but
  // wrong is an error below, never a reason to open the server.
  // Own fields only: a polluted Object.prototype must not name apps or turn development mode on.
  const own = (field: string): unknown => (Object.hasOwn(config, field) ? config[field] : undefined);
  const named = own('apps') !== undefined;
  if (!named && file !== undefined && own('devMode') !== true) {
    throw new ConfigError(
      file.path,
      'RoomServerOptions.apps',
      'is missing: a config file names its apps (or sets "devMode": true for development mode)',
    );
  }
  if (!named && own('devMode') === false) {
    const where = sources.get('devMode');
    throw new ConfigError(
      where?.kind === 'file' ? where.path : 'configuration',
      'RoomServerOptions.apps',
      'is missing and devMode is false',
    );
  }
  const devMode = own('devMode') === true || !named;
  const apps = named
    ? own('apps')
    : [{ appID: randomInt(1, 0x7fffffff), serverSecret: randomBytes(16).toString('hex') }];
  // A long-running process: its CPU, memory and event loop are worth a scrape.
  const options = { processMetrics: true, ...config, apps, devMode } as RoomServerOptions;
  try {
    checkOptionNames(options);
    checkDevMode(resolveOptions(options), env);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    if (error.field === 'devMode' && !sources.has('devMode')) {
      throw new ConfigError(
        'NODE_ENV',
        'RoomServerOptions.apps',
        `is required with NODE_ENV=${env.NODE_ENV}`,
      );
    }
    throw attribute(error, sources);
  }
  return { options, devMode };
}

async function serveCommand(args: readonly string[], io: CliIO): Promise<number> {
  const { options, devMode } = await planServe(args);
  const server = await createRoomServer(options);
  if (devMode) io.stderr(devBanner(options, server));
  if (devMode && !isLoopbackHost(options.host ?? '127.0.0.1')) io.stderr(exposedWarning(options));
  if (devMode && options.devExpose === true && isLoopbackHost(options.host ?? '127.0.0.1')) {
    io.stderr(`WARNING: --dev-expose on the loopback host ${options.host ?? '127.0.0.1'} does nothing useful: the
development endpoints answer loopback names, IP addresses and the names --dev-allowed-hosts lists.

`);
  }
  await untilSignal();
  await server.close();
  return 0;
}

function devBanner(options: RoomServerOptions, server: RoomServer): string {
  const app = options.apps[0];
  return `
Atrium development mode: GET /dev/token and POST /dev/admin for the app below, unsigned.
  appID         ${app?.appID}
  serverSecret  ${app?.serverSecret}
  page          ${server.httpUrl}/
  wsUrl         ${server.wsUrl}
  Ctrl-C stops the server.

`;
}

function exposedWarning(options: RoomServerOptions): string {
  return `WARNING: development mode is exposed on ${options.host} (--dev-expose): anyone who reaches
this port can mint tokens for any user (/dev/token) and close rooms or kick users (/dev/admin).
It answers a Host that is loopback, an IP address or in --dev-allowed-hosts (${(options.devAllowedHosts ?? []).join(', ') || 'none'}).

`;
}

/** Resolves on the first SIGINT or SIGTERM; a second one while closing exits at once. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const force = () => process.exit(1);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
