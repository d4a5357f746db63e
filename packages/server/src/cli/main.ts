// The `atrium` command: `serve` runs a room server, `token` prints a Token04, `check-config`
// checks a config file. `main` takes its arguments and output streams as parameters so tests
// can run it in-process.

import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/load.js';
import { didYouMean, isLoopbackHost } from '../config/safety.js';
import { OptionsError, type RoomServerOptions } from '../options.js';
import { createRoomServer, type RoomServer } from '../server.js';
import { parse, UsageError } from './args.js';
import { checkConfigCommand } from './check-config.js';
import { loadDevApp } from './dev-app.js';
import { defaultLogFormat, planServe, SERVE_OPTIONS } from './plan.js';
import { type CliIO, tokenCommand } from './token.js';
import { SERVE_USAGE, USAGE } from './usage.js';

export { defaultLogFormat, planServe, type ServePlan } from './plan.js';
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
