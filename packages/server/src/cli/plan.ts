// What `atrium serve` (and `atrium check-config`) would run with: the config file, then ATRIUM_*
// variables, then flags, checked as the server checks them; development mode when nothing names
// an app, with its app kept in a file, given by flags or variables. Planning writes nothing.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { attribute, CLI_VARS, ConfigError, mergeConfig, parseConfigFile } from '../config/load.js';
import { checkDevMode, checkOptionNames } from '../config/safety.js';
import { type LogFormat, OptionsError, type RoomServerOptions, resolveOptions } from '../options.js';
import { integer, type OptionTable, parse, str, UsageError } from './args.js';
import { DEV_APP_FILE, loadDevApp, randomDevApp } from './dev-app.js';

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
