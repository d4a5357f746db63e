// The `atrium` command: `serve` runs a room server, `token` prints a Token04, `check-config`
// checks a config file. `main` takes its arguments and output streams as parameters so tests
// can run it in-process.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { attribute, CLI_VARS, ConfigError, mergeConfig, parseConfigFile } from '../config/load.js';
import { checkDevMode, checkOptionNames, didYouMean, isLoopbackHost } from '../config/safety.js';
import { type LogFormat, OptionsError, type RoomServerOptions, resolveOptions } from '../options.js';
import { createRoomServer, type RoomServer } from '../server.js';
import { integer, type OptionTable, parse, str, UsageError } from './args.js';
import { checkConfigCommand } from './check-config.js';
import { DEV_APP_FILE, loadDevApp, randomDevApp } from './dev-app.js';
import { type CliIO, tokenCommand } from './token.js';
import { SERVE_USAGE, USAGE } from './usage.js';

export type { CliIO } from './token.js';
export { tokenCommand } from './token.js';
export { USAGE } from './usage.js';

const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const COMMANDS = ['serve', 'token', 'check-config'];

/** This package's version, from its package.json (next to src/ and dist/ alike). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Exit codes: 0 fine, 1 failed at run time, 2 bad usage or configuration. */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    io.stdout(`${version()}\n`);
    return 0;
  }
  try {
    if (command === 'serve') return await serveCommand(rest, io);
    if (command === 'token') return tokenCommand(rest, io);
    if (command === 'check-config') return await checkConfigCommand(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.command === '' ? 'atrium --help' : `atrium ${error.command} --help`;
      io.stderr(`atrium: ${error.message}\nRun ${help} for usage.\n`);
      return 2;
    }
    if (error instanceof OptionsError || error instanceof ConfigError) {
      io.stderr(`atrium: ${error.message}\n`);
      return 2;
    }
    io.stderr(`atrium: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (command === undefined) {
    io.stderr(USAGE);
    return 2;
  }
  const what = command.startsWith('-') ? 'option' : 'command';
  io.stderr(
    `atrium: unknown ${what} ${JSON.stringify(command)}${didYouMean(command, COMMANDS)}\n` +
      'Run atrium --help for usage.\n',
  );
  return 2;
}

// ---------------------------------------------------------------- serve

export interface ServePlan {
  options: RoomServerOptions;
  devMode: boolean;
  /** In development mode: where its app came from, as the banner says it. */
  devAppSource?: string;
  /**
   * Development mode's app is to be kept in this file (absolute path), which is not there yet:
   * `options.apps` holds a new random app that `atrium serve` writes there (planning writes nothing).
   */
  devAppFile?: string;
}

export const SERVE_OPTIONS: OptionTable = {
  port: { type: 'string' },
  host: { type: 'string' },
  config: { type: 'string' },
  redis: { type: 'string' },
  'log-format': { type: 'string' },
  'dev-app-id': { type: 'string' },
  'dev-secret': { type: 'string' },
  'dev-expose': { type: 'boolean' },
  'dev-allowed-hosts': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** Checks the options with this app while the real one is not made yet: a refusal makes no file. */
const STAND_IN_APP = { appID: 1, serverSecret: '0'.repeat(32) };

/**
 * Reads the config file, the environment (ATRIUM_*) and the flags, in that order of
 * precedence from low to high, into server options; dev mode when no app is named.
 */
export async function planServe(
  args: readonly string[],
  read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
  env: Readonly<Record<string, string | undefined>> = process.env,
  /** Where development mode keeps its app; default ./.atrium-dev.json. */
  devFile: string = DEV_APP_FILE,
): Promise<ServePlan> {
  const { values } = parse('serve', args, SERVE_OPTIONS);
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
  const logFormat = str(values, 'log-format');
  if (logFormat !== undefined) flags.logFormat = { flag: '--log-format', value: logFormat };
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
  const given = givenDevApp(values, env);
  if (given !== undefined && named) {
    const where = sources.get('apps');
    throw new ConfigError(
      given.idFrom,
      'RoomServerOptions.apps',
      `is set too (${where?.kind === 'file' ? where.path : (where?.name ?? 'configuration')}): ` +
        `${given.idFrom} gives development mode its app, and a configuration naming its apps is not development mode`,
    );
  }
  if (!named && file !== undefined && own('devMode') !== true && given === undefined) {
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
  if (given !== undefined) {
    sources.set('apps[0].appID', { kind: given.kind, name: given.idFrom });
    sources.set('apps[0].serverSecret', { kind: given.kind, name: given.secretFrom });
  }
  const apps = named ? own('apps') : [given?.app ?? STAND_IN_APP];
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
  if (named) return { options, devMode, ...(devMode ? { devAppSource: 'the configuration' } : {}) };
  if (given !== undefined) {
    return { options, devMode, devAppSource: `${given.idFrom} and ${given.secretFrom}` };
  }
  const kept = await loadDevApp(devFile);
  if (kept === undefined) {
    const path = resolve(devFile);
    return {
      options: { ...options, apps: [randomDevApp()] },
      devMode,
      devAppSource: `${path} (made now)`,
      devAppFile: path,
    };
  }
  return {
    options: { ...options, apps: [kept.app] },
    devMode,
    devAppSource: `${kept.path} (kept from an earlier run)`,
  };
}

interface GivenDevApp {
  app: { appID: unknown; serverSecret: string };
  kind: 'flag' | 'env';
  idFrom: string;
  secretFrom: string;
}

/** --dev-app-id and --dev-secret, else ATRIUM_DEV_APP_ID and ATRIUM_DEV_SECRET: both or neither. */
function givenDevApp(
  values: Record<string, string | boolean | undefined>,
  env: Readonly<Record<string, string | undefined>>,
): GivenDevApp | undefined {
  const [idVar, secretVar] = CLI_VARS;
  for (const name of CLI_VARS) {
    if (env[name] === '') throw new ConfigError(name, '(variable)', 'is set but empty (unset it instead)');
  }
  const fromFlags = { id: str(values, 'dev-app-id'), secret: str(values, 'dev-secret') };
  const pick =
    fromFlags.id !== undefined || fromFlags.secret !== undefined
      ? { ...fromFlags, kind: 'flag' as const, idFrom: '--dev-app-id', secretFrom: '--dev-secret' }
      : {
          id: env[idVar],
          secret: env[secretVar],
          kind: 'env' as const,
          idFrom: idVar,
          secretFrom: secretVar,
        };
  if (pick.id === undefined && pick.secret === undefined) return undefined;
  if (pick.id === undefined) throw new UsageError(`${pick.secretFrom} needs ${pick.idFrom}`, 'serve');
  if (pick.secret === undefined) throw new UsageError(`${pick.idFrom} needs ${pick.secretFrom}`, 'serve');
  // Digits only, as ATRIUM_APPS reads an appID; anything else is left for the apps check to refuse.
  const appID = /^\d+$/.test(pick.id) ? Number(pick.id) : pick.id;
  return {
    app: { appID, serverSecret: pick.secret },
    kind: pick.kind,
    idFrom: pick.idFrom,
    secretFrom: pick.secretFrom,
  };
}

/** JSON lines unless asked otherwise, but readable for a person running development mode. */
export function defaultLogFormat(devMode: boolean, stdoutIsTTY: boolean): LogFormat {
  return devMode && stdoutIsTTY ? 'pretty' : 'json';
}

async function serveCommand(args: readonly string[], io: CliIO): Promise<number> {
  if (parse('serve', args, SERVE_OPTIONS).values.help === true) {
    io.stdout(SERVE_USAGE);
    return 0;
  }
  const plan = await planServe(args);
  const { options, devMode } = plan;
  let devAppSource = plan.devAppSource;
  if (plan.devAppFile !== undefined) {
    const made = await loadDevApp(plan.devAppFile, options.apps[0]);
    if (made === undefined) throw new Error(`${plan.devAppFile}: could not be made`);
    options.apps = [made.app];
    // Another server started in the same directory at the same moment may have made it first.
    if (!made.created) devAppSource = `${made.path} (made by another server just now)`;
  }
  const logFormat = options.logFormat ?? defaultLogFormat(devMode, process.stdout.isTTY === true);
  const server = await createRoomServer({ ...options, logFormat });
  // Listening for the signals before the banner: whoever reads it may stop the server at once.
  const stopped = untilSignal();
  if (devMode) io.stderr(devBanner(options, server, devAppSource ?? ''));
  if (devMode && !isLoopbackHost(options.host ?? '127.0.0.1')) io.stderr(exposedWarning(options));
  if (devMode && options.devExpose === true && isLoopbackHost(options.host ?? '127.0.0.1')) {
    io.stderr(`WARNING: --dev-expose on the loopback host ${options.host ?? '127.0.0.1'} does nothing useful: the
development endpoints answer loopback names, IP addresses and the names --dev-allowed-hosts lists.

`);
  }
  await stopped;
  await server.close();
  return 0;
}

function devBanner(options: RoomServerOptions, server: RoomServer, source: string): string {
  const app = options.apps[0];
  return `
Atrium development mode: GET /dev/token and POST /dev/admin for the app below, unsigned.
  appID         ${app?.appID}
  serverSecret  ${app?.serverSecret}
  app from      ${source}
  page          ${server.httpUrl}/
  wsUrl         ${server.wsUrl}
  token         ${server.httpUrl}/dev/token?userID=ann&roomID=lobby
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
