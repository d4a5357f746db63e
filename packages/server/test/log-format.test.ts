// Log formats: JSON lines by default (and for anything reading stdout through a pipe), readable
// lines with `logFormat: 'pretty'` — the default of `atrium serve` in development mode on a
// terminal. The pretty lines come from pino's own output, so redaction applies to both.

import { afterEach, describe, expect, it } from 'vitest';
import { defaultLogFormat, planServe } from '../src/cli/main.js';
import { createLogger, prettyLine } from '../src/logger.js';
import type { RoomServer } from '../src/server.js';
import { APP_ID, OTHER_APP_ID, SECRET, startServer } from './helpers.js';

const servers: RoomServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function sink() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => lines.push(line) } };
}

describe('log formats', () => {
  it("json (the default): one JSON object per line, pino's fields", async () => {
    const { lines, stream } = sink();
    servers.push(await startServer({ logLevel: 'info', logStream: stream }));
    const line = JSON.parse(lines.find((l) => l.includes('room server listening')) ?? '') as Record<
      string,
      unknown
    >;
    expect(line).toMatchObject({ level: 30, msg: 'room server listening', apps: [APP_ID, OTHER_APP_ID] });
    expect(typeof line.time).toBe('number');
  });

  it('pretty: time, level, message and key=value fields on one line', async () => {
    const { lines, stream } = sink();
    servers.push(await startServer({ logLevel: 'info', logStream: stream, logFormat: 'pretty' }));
    const line = lines.find((l) => l.includes('room server listening')) ?? '';
    expect(line).toMatch(
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  room server listening url=http://127\\.0\\.0\\.1:\\d+ apps=\\[${APP_ID},${OTHER_APP_ID}\\]`,
      ),
    );
    expect(line.endsWith('\n')).toBe(true);
    expect(lines.every((l) => !l.startsWith('{'))).toBe(true);
  });

  it('pretty keeps the redaction of secrets and tokens', () => {
    const { lines, stream } = sink();
    createLogger('info', stream, 'pretty').warn(
      { serverSecret: SECRET, token: '04abc', room: 'a b' },
      'oops',
    );
    expect(lines[0]).toContain('WARN  oops serverSecret="[redacted]" token="[redacted]" room="a b"');
    expect(lines.join('')).not.toContain(SECRET);
  });

  it('pretty lines: levels, quoting, nested values, errors with their stack; non-JSON passes through', () => {
    const time = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
    const line = JSON.stringify({
      level: 50,
      time,
      pid: 1,
      hostname: 'h',
      name: 'atrium',
      msg: 'webhook failed',
      attempt: 2,
      ok: false,
      url: 'https://x.example/h',
      ext: { a: 1 },
      err: { type: 'Error', message: 'connect ECONNREFUSED', stack: 'Error: connect ECONNREFUSED\n    at x' },
    });
    expect(prettyLine(line)).toBe(
      '03:04:05.006 ERROR webhook failed attempt=2 ok=false url=https://x.example/h ext={"a":1} ' +
        'err="connect ECONNREFUSED"\n    Error: connect ECONNREFUSED\n        at x\n',
    );
    expect(prettyLine(JSON.stringify({ level: 20, time, msg: 'm' }), true)).toBe(
      '03:04:05.006 \x1b[36mDEBUG\x1b[0m m\n',
    );
    expect(prettyLine('not json\n')).toBe('not json\n');
  });

  it('the CLI picks pretty only for development mode on a terminal; --log-format and ATRIUM_LOG_FORMAT choose', async () => {
    expect(defaultLogFormat(true, true)).toBe('pretty');
    expect(defaultLogFormat(true, false)).toBe('json');
    expect(defaultLogFormat(false, true)).toBe('json');
    const env = { ATRIUM_APPS: `7:${SECRET}` };
    expect((await planServe(['--log-format', 'pretty'], undefined, env)).options.logFormat).toBe('pretty');
    expect((await planServe([], undefined, { ...env, ATRIUM_LOG_FORMAT: 'json' })).options.logFormat).toBe(
      'json',
    );
    expect((await planServe([], undefined, env)).options.logFormat).toBeUndefined();
    await expect(planServe(['--log-format', 'fancy'], undefined, env)).rejects.toThrow(
      "--log-format: RoomServerOptions.logFormat must be 'json' or 'pretty'",
    );
  });
});
