// The help texts of `atrium` and each command: `atrium --help`, `atrium <command> --help`.

import { Code, Limits } from '@atrium/protocol';

export const USAGE = `Usage: atrium <command> [options]

Commands:
  serve           Run a room server (development mode when no app is configured)
  token           Print a Token04 for a user, optionally restricted to a room
  check-config    Check a config file (and ATRIUM_* variables); print the effective configuration

Options:
  -h, --help      Show this help; atrium <command> --help shows a command's
  -v, --version   Print the version

Configuration, environment variables and development mode: docs/operations.md
`;

export const SERVE_USAGE = `Usage: atrium serve [options]

Run a room server. With nothing naming an app (no --config, no ATRIUM_APPS) it runs in
development mode: one app, kept in ./.atrium-dev.json (made on the first run, reused after;
delete it for a new app) or given with --dev-app-id and --dev-secret, printed at start;
GET /dev/token and POST /dev/admin for the demo page; on loopback only. A config file must
name its apps (or set "devMode": true).

Options:
  --port <n>                 Port, 0-65535 (0: a free one). Default 8800. Env ATRIUM_PORT
  --host <address>           Address to bind. Default 127.0.0.1. Env ATRIUM_HOST
  --config <file>            A JSON file of options (atrium check-config <file> checks it)
  --redis <url>              redis://… or rediss://…: one node of a cluster. Env ATRIUM_REDIS
  --log-format <json|pretty> Log lines as JSON, or readable. Default: pretty in development
                             mode on a terminal, else json. Env ATRIUM_LOG_FORMAT
  --dev-app-id <id>          Development mode with this appID (with --dev-secret) instead
                             of the file's. Env ATRIUM_DEV_APP_ID
  --dev-secret <32 chars>    Its server secret. Env ATRIUM_DEV_SECRET
  --dev-expose               Development mode on a --host other than loopback; it answers IP
                             addresses and the names --dev-allowed-hosts lists (only with
                             NODE_ENV unset, development or test)
  --dev-allowed-hosts <a,b>  Host names development mode answers besides loopback names
  -h, --help                 Show this help

Precedence: the config file, then ATRIUM_* variables, then flags. Ctrl-C stops the server.
`;

export const TOKEN_USAGE = `Usage: atrium token --app-id <id> --secret <32 chars> --user <userID> [--room <roomID>] [--ttl 3600]

Print a Token04 for the user, valid --ttl seconds. With --room it carries a privilege payload
for that room only. The IDs are checked as the room server checks them at login:
  appID   1 to 4294967295 (${Code.APPID_INVALID})
  userID  1 to ${Limits.userIDMaxBytes} bytes of letters, digits and ~!@#$%^&*()_+=-\`;',. (${Code.USER_ID_EMPTY}, ${Code.USER_ID_ILLEGAL}, ${Code.USER_ID_TOO_LONG})
  roomID  1 to ${Limits.roomIDMaxBytes} bytes of the same and <>/ (${Code.ROOM_ID_EMPTY}, ${Code.ROOM_ID_ILLEGAL}, ${Code.ROOM_ID_TOO_LONG})

Options:
  --app-id <id>       The app's ID
  --secret <chars>    The app's 32-character server secret
  --user <userID>     Who the token is for (--user=-x for an ID starting with a dash)
  --room <roomID>     The only room it logs in to (default: any)
  --ttl <seconds>     1 to 2147483647. Default 3600
  -h, --help          Show this help
`;

export const CHECK_CONFIG_USAGE = `Usage: atrium check-config <file>

Check a config file as atrium serve --config <file> would, ATRIUM_* variables included, and
print the effective configuration (defaults filled in) as JSON, secrets masked. Exits 2 with
the field and where its value came from when something is wrong.

Options:
  -h, --help   Show this help
`;
