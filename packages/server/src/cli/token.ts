// `atrium token`: a Token04 for a user (and a room), refused for any ID the room server would
// refuse at login — a token it mints must be one the server accepts. The checks are the
// protocol's own (checkAppID, checkUserID, checkRoomID), and a refusal says the rule and ZEGO's code.

import { Code, checkAppID, checkRoomID, checkUserID, codeMessage, Limits } from '@atrium/protocol';
import { generateToken04, makePrivilegePayload } from '@atrium/token';
import { integer, parse, str, UsageError } from './args.js';
import { TOKEN_USAGE } from './usage.js';

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

const SECRET_LENGTH = 32;
const TTL_MAX = 0x7fffffff;
const ID_CHARS = "letters, digits and ~!@#$%^&*()_+=-`;',.";

const rules = {
  appID: 'an integer from 1 to 4294967295',
  userID: `1 to ${Limits.userIDMaxBytes} bytes of ${ID_CHARS}`,
  roomID: `1 to ${Limits.roomIDMaxBytes} bytes of ${ID_CHARS} and <>/`,
};

function refuse(flag: string, value: string, code: number, rule: string): UsageError {
  return new UsageError(
    `${flag} ${JSON.stringify(value)}: ${codeMessage(code)} (${code}); the server accepts ${rule}`,
    'token',
  );
}

export function tokenCommand(args: readonly string[], io: CliIO): number {
  const { values } = parse('token', args, {
    'app-id': { type: 'string' },
    secret: { type: 'string' },
    user: { type: 'string' },
    room: { type: 'string' },
    ttl: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    io.stdout(TOKEN_USAGE);
    return 0;
  }
  const rawAppID = str(values, 'app-id');
  const secret = str(values, 'secret');
  const userID = str(values, 'user');
  if (rawAppID === undefined || secret === undefined || userID === undefined) {
    throw new UsageError('token needs --app-id, --secret and --user', 'token');
  }
  const appID = /^\d+$/.test(rawAppID) ? Number(rawAppID) : Number.NaN;
  if (checkAppID(appID) !== 0) throw refuse('--app-id', rawAppID, Code.APPID_INVALID, rules.appID);
  const userCode = checkUserID(userID);
  if (userCode !== 0) throw refuse('--user', userID, userCode, rules.userID);
  const room = str(values, 'room');
  if (room !== undefined) {
    const roomCode = checkRoomID(room);
    if (roomCode !== 0) throw refuse('--room', room, roomCode, rules.roomID);
  }
  if (secret.length !== SECRET_LENGTH) {
    throw new UsageError(
      `--secret must be the app's ${SECRET_LENGTH}-character server secret (it has ${secret.length})`,
      'token',
    );
  }
  // Whole seconds: the token's expiry is an integer. Expired or not is the only check the server makes.
  let ttl: number;
  try {
    ttl = integer('ttl', str(values, 'ttl'), 1, TTL_MAX) ?? 3600;
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (seconds)`, 'token');
  }
  const payload = room === undefined ? '' : makePrivilegePayload({ roomID: room });
  try {
    io.stdout(`${generateToken04(appID, userID, secret, ttl, payload)}\n`);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), 'token');
  }
  return 0;
}
