// The configuration of `atrium serve`: a JSON file of RoomServerOptions fields, then
// environment variables over it, then command-line flags over both. Every value is checked by
// resolveOptions; an error names the field and where its value came from (file, variable, flag).

import { LIMIT_FIELDS } from '../limits/options.js';
import { RATE_FIELDS } from '../limits/rates.js';
import type { OptionsError, RoomServerOptions } from '../options.js';
import { didYouMean } from './safety.js';

/** Fields a config file may set: every option JSON can express. */
export const CONFIG_FIELDS = [
  'apps',
  'port',
  'host',
  'redis',
  'heartbeatIntervalMs',
  'sessionGraceMs',
  'kickMemoryMs',
  'leaseTtlMs',
  'maxRoomsPerUser',
  'maxStreamsPerMember',
  'maxStreamsPerRoom',
  'maxRoomMembers',
  'duplicateLogin',
  'kickOnTokenExpiry',
  'webhook',
  'logLevel',
  'logFormat',
  'onlineCountIntervalMs',
  'messageMaxBytes',
  'roomExtraMaxKeys',
  'roomExtraKeyMaxBytes',
  'roomExtraValueMaxBytes',
  'historyMaxEvents',
  'maxPayloadBytes',
  'linkMaxBufferedBytes',
  'serverMaxBufferedBytes',
  'admissionLagMs',
  'admissionMaxPendingLinks',
  'onlineCountEveryChangeBelow',
  'staticDir',
  'devMode',
  'adminRateLimitPerSec',
  'adminRateLimitPerSourcePerSec',
  'devExpose',
  'devAllowedHosts',
  'acceptCbcTokens',
  'metricsPort',
  'metricsHost',
  'processMetrics',
  // The limits against abusive peers (limits/options.ts).
  ...LIMIT_FIELDS,
  // The request rates per member, link and address (limits/rates.ts).
  ...RATE_FIELDS,
] as const satisfies readonly (keyof RoomServerOptions)[];

type Kind = 'int' | 'string' | 'boolean' | 'apps';

/** Environment variables, each overriding one field (docs/operations.md lists them). */
export const ENV_VARS: readonly { name: string; field: string; kind: Kind }[] = [
  { name: 'ATRIUM_APPS', field: 'apps', kind: 'apps' },
  { name: 'ATRIUM_PORT', field: 'port', kind: 'int' },
  { name: 'ATRIUM_HOST', field: 'host', kind: 'string' },
  { name: 'ATRIUM_REDIS', field: 'redis', kind: 'string' },
  { name: 'ATRIUM_LOG_LEVEL', field: 'logLevel', kind: 'string' },
  { name: 'ATRIUM_LOG_FORMAT', field: 'logFormat', kind: 'string' },
  { name: 'ATRIUM_HEARTBEAT_INTERVAL_MS', field: 'heartbeatIntervalMs', kind: 'int' },
  { name: 'ATRIUM_SESSION_GRACE_MS', field: 'sessionGraceMs', kind: 'int' },
  { name: 'ATRIUM_KICK_MEMORY_MS', field: 'kickMemoryMs', kind: 'int' },
  { name: 'ATRIUM_LEASE_TTL_MS', field: 'leaseTtlMs', kind: 'int' },
  { name: 'ATRIUM_MAX_ROOMS_PER_USER', field: 'maxRoomsPerUser', kind: 'int' },
  { name: 'ATRIUM_DUPLICATE_LOGIN', field: 'duplicateLogin', kind: 'string' },
  { name: 'ATRIUM_KICK_ON_TOKEN_EXPIRY', field: 'kickOnTokenExpiry', kind: 'boolean' },
  { name: 'ATRIUM_WEBHOOK_URL', field: 'webhook.url', kind: 'string' },
  { name: 'ATRIUM_WEBHOOK_SECRET', field: 'webhook.secret', kind: 'string' },
  { name: 'ATRIUM_ONLINE_COUNT_INTERVAL_MS', field: 'onlineCountIntervalMs', kind: 'int' },
  { name: 'ATRIUM_HISTORY_MAX_EVENTS', field: 'historyMaxEvents', kind: 'int' },
  { name: 'ATRIUM_ADMISSION_LAG_MS', field: 'admissionLagMs', kind: 'int' },
  { name: 'ATRIUM_ADMIN_RATE_LIMIT_PER_SEC', field: 'adminRateLimitPerSec', kind: 'int' },
  { name: 'ATRIUM_STATIC_DIR', field: 'staticDir', kind: 'string' },
  { name: 'ATRIUM_PROCESS_METRICS', field: 'processMetrics', kind: 'boolean' },
  {
    name: 'ATRIUM_ADMIN_RATE_LIMIT_PER_SOURCE_PER_SEC',
    field: 'adminRateLimitPerSourcePerSec',
    kind: 'int',
  },
  { name: 'ATRIUM_ACCEPT_CBC_TOKENS', field: 'acceptCbcTokens', kind: 'boolean' },
  { name: 'ATRIUM_METRICS_PORT', field: 'metricsPort', kind: 'int' },
  { name: 'ATRIUM_METRICS_HOST', field: 'metricsHost', kind: 'string' },
];

/** Read by `atrium serve` itself rather than mapped to an option: development mode's app. */
export const CLI_VARS = ['ATRIUM_DEV_APP_ID', 'ATRIUM_DEV_SECRET'] as const;

/** Read by this repository's test and benchmark tools, never by the server: not typos. */
const TOOL_VARS = new Set([
  'ATRIUM_REDIS_SERVER',
  'ATRIUM_NGINX',
  'ATRIUM_SERVER',
  'ATRIUM_SERVER_DIST',
  'ATRIUM_BEFORE_DIST',
]);

/** A configuration value that is wrong, said with where it came from. */
export class ConfigError extends Error {
  constructor(
    /** The file, variable or flag. */
    readonly source: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${source}: ${field} ${problem}`);
    this.name = 'ConfigError';
  }
}

export type Source =
  | { kind: 'file'; path: string }
  | { kind: 'env'; name: string }
  | { kind: 'flag'; name: string };

/** The merged options and, per top-level field, where its value came from. */
export interface LoadedConfig {
  options: Record<string, unknown>;
  sources: Map<string, Source>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a config file's text: a JSON object of known fields. */
export function parseConfigFile(path: string, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      path,
      '(file)',
      `is not a JSON object: ${error instanceof Error ? error.message : error}`,
    );
  }
  if (!isRecord(parsed)) throw new ConfigError(path, '(file)', 'is not a JSON object');
  const known = new Set<string>(CONFIG_FIELDS);
  for (const field of Object.keys(parsed)) {
    if (!known.has(field)) {
      const hint = didYouMean(field, CONFIG_FIELDS);
      throw new ConfigError(path, field, `is not an option${hint} (known: ${CONFIG_FIELDS.join(', ')})`);
    }
  }
  return parsed;
}

/** The options the environment sets; a value that cannot be read names its variable. */
export function envOverrides(env: Readonly<Record<string, string | undefined>>): {
  options: Record<string, unknown>;
  names: Map<string, string>;
} {
  const options: Record<string, unknown> = {};
  const names = new Map<string, string>();
  const known = [...ENV_VARS.map((v) => v.name), ...CLI_VARS];
  for (const name of Object.keys(env)) {
    // A misspelt variable would leave its default in place (for ATRIUM_APPS: development mode).
    // Names are case-sensitive, so `atrium_apps` is not ATRIUM_APPS: it is a mistake too.
    if (name.toUpperCase().startsWith('ATRIUM_') && !known.includes(name) && !TOOL_VARS.has(name)) {
      throw new ConfigError(name, '(variable)', `is not an Atrium variable${didYouMean(name, known)}`);
    }
  }
  for (const v of ENV_VARS) {
    const raw = env[v.name];
    if (raw === '' && v.kind === 'apps') {
      throw new ConfigError(v.name, 'apps', 'is set but empty (unset it for development mode)');
    }
    // Set but empty is not unset: `ATRIUM_METRICS_PORT=` would quietly leave /metrics public.
    if (raw === '') throw new ConfigError(v.name, v.field, 'is set but empty (unset it for the default)');
    if (raw === undefined) continue;
    const value = readEnv(v.name, v.field, v.kind, raw);
    const [top, sub] = v.field.split('.') as [string, string | undefined];
    if (sub === undefined) options[top] = value;
    else options[top] = { ...(isRecord(options[top]) ? options[top] : {}), [sub]: value };
    names.set(top, v.name);
    // A nested field keeps its own variable: webhook.url's error names ATRIUM_WEBHOOK_URL.
    if (sub !== undefined) names.set(v.field, v.name);
  }
  return { options, names };
}

function readEnv(name: string, field: string, kind: Kind, raw: string): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'int':
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
        throw new ConfigError(name, field, 'must be a non-negative integer');
      }
      return Number(raw);
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new ConfigError(name, field, 'must be true, false, 1 or 0');
    case 'apps':
      // `appID:secret,appID:secret`: secrets stay out of files (and out of the process list).
      return raw.split(',').map((pair, i) => {
        const at = pair.indexOf(':');
        const appID = Number(pair.slice(0, at));
        if (at <= 0 || !/^\d+$/.test(pair.slice(0, at))) {
          throw new ConfigError(name, `apps[${i}]`, 'must be appID:serverSecret, comma-separated');
        }
        return { appID, serverSecret: pair.slice(at + 1) };
      });
  }
}

/**
 * File, then environment, then flags. A webhook set partly by the environment is merged with
 * the file's (so a secret can come from the environment and the URL from the file).
 */
export function mergeConfig(
  file: { path: string; options: Record<string, unknown> } | undefined,
  env: Readonly<Record<string, string | undefined>>,
  flags: Record<string, { flag: string; value: unknown }>,
): LoadedConfig {
  const options: Record<string, unknown> = {};
  const sources = new Map<string, Source>();
  for (const [field, value] of Object.entries(file?.options ?? {})) {
    options[field] = value;
    if (file === undefined) continue;
    sources.set(field, { kind: 'file', path: file.path });
    if (isRecord(value))
      for (const sub of Object.keys(value)) sources.set(`${field}.${sub}`, sources.get(field) as Source);
  }
  const fromEnv = envOverrides(env);
  for (const [field, value] of Object.entries(fromEnv.options)) {
    const before = options[field];
    options[field] = isRecord(value) && isRecord(before) ? { ...before, ...value } : value;
    sources.set(field, { kind: 'env', name: fromEnv.names.get(field) ?? field });
  }
  for (const [field, name] of fromEnv.names) {
    if (field.includes('.')) sources.set(field, { kind: 'env', name });
  }
  for (const [field, { flag, value }] of Object.entries(flags)) {
    options[field] = value;
    sources.set(field, { kind: 'flag', name: flag });
  }
  return { options, sources };
}

/** An OptionsError from resolveOptions, re-said with where the bad value came from. */
export function attribute(error: OptionsError, sources: ReadonlyMap<string, Source>): ConfigError {
  const top = error.field.split(/[.[]/)[0] ?? error.field;
  const source = sources.get(error.field) ?? sources.get(top);
  const where = source === undefined ? 'configuration' : source.kind === 'file' ? source.path : source.name;
  // The option's full name stays in the message: it is the one the docs use.
  const problem = error.message.replace(`RoomServerOptions.${error.field} `, '');
  return new ConfigError(where, `RoomServerOptions.${error.field}`, problem);
}
