// `atrium check-config <file>`: the configuration `atrium serve --config <file>` would run with,
// checked by the same loader (the file, then ATRIUM_* variables) and printed with the defaults
// filled in, so an operator sees what the server will do before starting it. Secrets are masked:
// the output is meant to be pasted into tickets and chat.

import { type ResolvedOptions, resolveOptions } from '../options.js';
import { parse, UsageError } from './args.js';
import { planServe } from './plan.js';
import type { CliIO } from './token.js';
import { CHECK_CONFIG_USAGE } from './usage.js';

export const MASK = '[redacted]';

export async function checkConfigCommand(
  args: readonly string[],
  io: CliIO,
  env: Readonly<Record<string, string | undefined>> = process.env,
  devFile?: string,
): Promise<number> {
  const { values, positionals } = parse(
    'check-config',
    args,
    { help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help === true) {
    io.stdout(CHECK_CONFIG_USAGE);
    return 0;
  }
  const [path, ...extra] = positionals;
  if (path === undefined) throw new UsageError('check-config needs the config file to check', 'check-config');
  if (extra.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`, 'check-config');
  // Planning makes nothing: development mode's app file is read if it is there, not created.
  const plan = await planServe(['--config', path], undefined, env, devFile);
  const pending = plan.devAppFile !== undefined;
  const resolved = resolveOptions(plan.options);
  const shown: Record<string, unknown> = masked(resolved);
  if (pending) shown.apps = `development mode: an app made at the first start and kept in ${plan.devAppFile}`;
  else if (plan.devAppSource !== undefined) shown.devAppFrom = plan.devAppSource;
  io.stdout(`${JSON.stringify(shown, null, 2)}\n`);
  return 0;
}

/** The resolved options as JSON can say them, secrets and URL credentials masked. */
export function masked(options: ResolvedOptions): Record<string, unknown> {
  const { logStream: _s, now: _n, backend: _b, ...rest } = options;
  return {
    ...rest,
    apps: rest.apps.map((a) => ({ appID: a.appID, serverSecret: MASK })),
    redis: rest.redis === undefined ? undefined : rest.redis.split(',').map(maskUrl).join(','),
    webhook:
      rest.webhook === undefined
        ? undefined
        : { ...rest.webhook, url: maskUrl(rest.webhook.url), secret: MASK },
  };
}

/** `scheme://user:password@host…` → `scheme://user:[redacted]@host…`; a lone user name is masked too. */
export function maskUrl(url: string): string {
  const start = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url);
  if (start === null) return url;
  const authority = start[1] ?? '';
  // The last @ ends the credentials, as URL parsers read it: a password may hold an @.
  const at = authority.lastIndexOf('@');
  if (at < 0) return url;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  const shown = colon < 0 ? MASK : `${userinfo.slice(0, colon)}:${MASK}`;
  const scheme = start[0].slice(0, start[0].length - authority.length);
  return `${scheme}${shown}@${authority.slice(at + 1)}${url.slice(start[0].length)}`;
}
