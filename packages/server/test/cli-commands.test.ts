// The CLI's conventions: --help and --version, each command's --help, unknown commands and
// options refused with a usage hint, `atrium token` refusing what the server would refuse, and
// `atrium check-config` printing the effective configuration with its secrets masked. Run
// in-process through `main(argv, io)`, except the bin shim, which is run as npm links it.

import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code, checkRoomID, checkUserID } from '@atrium/protocol';
import { verifyToken04 } from '@atrium/token';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfigCommand, maskUrl } from '../src/cli/check-config.js';
import { main } from '../src/cli/main.js';
import { ConfigError } from '../src/config/load.js';
import { SECRET } from './helpers.js';

function capture() {
  const out = { stdout: '', stderr: '' };
  const io = {
    stdout: (t: string) => {
      out.stdout += t;
    },
    stderr: (t: string) => {
      out.stderr += t;
    },
  };
  return { out, io };
}

async function run(args: string[]) {
  const { out, io } = capture();
  const rc = await main(args, io);
  return { rc, ...out };
}

const PKG = fileURLToPath(new URL('../package.json', import.meta.url));
const SHIM = fileURLToPath(new URL('../bin/atrium.js', import.meta.url));

describe('help, version, unknown input', () => {
  it('--version and -v print the package version', async () => {
    const { version } = JSON.parse(await readFile(PKG, 'utf8')) as { version: string };
    for (const flag of ['--version', '-v'])
      expect(await run([flag])).toEqual({ rc: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('each command has its own --help (and -h), exiting 0 without doing anything', async () => {
    for (const [command, heading] of [
      ['serve', 'Usage: atrium serve'],
      ['token', 'Usage: atrium token'],
      ['check-config', 'Usage: atrium check-config'],
    ] as const) {
      for (const flag of ['--help', '-h']) {
        const r = await run([command, flag]);
        expect(r.rc, `${command} ${flag}`).toBe(0);
        expect(r.stdout.startsWith(heading)).toBe(true);
        expect(r.stderr).toBe('');
      }
    }
    expect((await run(['serve', '--help'])).stdout).toContain('--dev-app-id');
  });

  it('an unknown command, option or stray argument exits 2 with a hint to the right --help', async () => {
    const cases: [string[], string, string][] = [
      [['sevre'], 'unknown command "sevre" (did you mean serve?)', 'atrium --help'],
      [['--frob'], 'unknown option "--frob"', 'atrium --help'],
      [['serve', '--prot', '1'], 'unknown option --prot', 'atrium serve --help'],
      [['token', '--what'], 'unknown option --what', 'atrium token --help'],
      [['token', 'extra'], 'unexpected argument "extra"', 'atrium token --help'],
      [['check-config'], 'needs the config file', 'atrium check-config --help'],
      [['check-config', 'a.json', 'b.json'], 'unexpected argument "b.json"', 'atrium check-config --help'],
      [['check-config', '--nope'], 'unknown option --nope', 'atrium check-config --help'],
    ];
    for (const [args, message, help] of cases) {
      const r = await run(args);
      expect(r.rc, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain(`Run ${help} for usage.`);
    }
  });
});

describe('atrium token refuses what the server refuses', () => {
  const token = (extra: string[]) =>
    run(['token', '--app-id', '7', '--secret', SECRET, '--user', 'ann', ...extra]);

  it('names the flag, the rule and ZEGO code of each bad ID', async () => {
    const cases: [string[], number | string][] = [
      [['--app-id', '0'], Code.APPID_INVALID],
      [['--app-id', '4294967296'], Code.APPID_INVALID],
      [['--app-id', '1e3'], Code.APPID_INVALID],
      [['--app-id=-5'], Code.APPID_INVALID],
      [['--user', ''], Code.USER_ID_EMPTY],
      [['--user', 'a b'], Code.USER_ID_ILLEGAL],
      [['--user', 'a<b'], Code.USER_ID_ILLEGAL],
      [['--user', 'é'], Code.USER_ID_ILLEGAL],
      [['--user', 'u'.repeat(65)], Code.USER_ID_TOO_LONG],
      [['--room', ''], Code.ROOM_ID_EMPTY],
      [['--room', 'a b'], Code.ROOM_ID_ILLEGAL],
      [['--room', 'r'.repeat(129)], Code.ROOM_ID_TOO_LONG],
      [['--secret', 'short'], '32-character'],
      [['--ttl', '0'], '--ttl'],
      [['--ttl', '1.5'], '--ttl'],
      [['--ttl', '2147483648'], '--ttl'],
    ];
    for (const [extra, expected] of cases) {
      const r = await token(extra);
      expect(r.rc, extra.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(typeof expected === 'number' ? `(${expected})` : expected);
    }
    const r = await token(['--user', 'a b']);
    expect(r.stderr).toContain('--user "a b": userID has illegal characters');
    expect(r.stderr).toContain('1 to 64 bytes of');
  });

  it('mints a token exactly when the server would accept the user and room IDs', async () => {
    const id = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.stringMatching(/^[0-9A-Za-z~!@#$%^&*()_+=\-`;',.<>/ ]{0,130}$/),
    );
    await fc.assert(
      fc.asyncProperty(id, id, async (userID, roomID) => {
        const r = await run([
          'token',
          '--app-id',
          '4294967295',
          '--secret',
          SECRET,
          // The = form: a userID may start with a dash, which a separate argument could not.
          `--user=${userID}`,
          `--room=${roomID}`,
        ]);
        const accepted = checkUserID(userID) === 0 && checkRoomID(roomID) === 0;
        expect(r.rc === 0, `${r.rc} ${r.stderr}`).toBe(accepted);
        if (accepted) expect(verifyToken04(r.stdout.trim(), SECRET)).toMatchObject({ ok: true });
      }),
      { numRuns: 300 },
    );
  });
});

describe('atrium check-config', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atrium-check-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function check(config: unknown, env: Record<string, string> = {}) {
    const path = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, typeof config === 'string' ? config : JSON.stringify(config));
    const { out, io } = capture();
    try {
      const rc = await checkConfigCommand([path], io, env, join(dir, 'dev.json'));
      return { rc, ...out, path };
    } catch (error) {
      // What main() prints for a ConfigError, with exit code 2 (as the missing-file case shows).
      if (!(error instanceof ConfigError)) throw error;
      return { rc: 2, stdout: out.stdout, stderr: error.message, path };
    }
  }

  it('prints the effective configuration, defaults filled in and ATRIUM_* applied, secrets masked', async () => {
    const other = 'S'.repeat(32);
    const r = await check(
      {
        apps: [{ appID: 7, serverSecret: SECRET }],
        redis: 'redis://default:r3d!s@cache:6379,redis://:p@ss@cache2:6379',
        webhook: { url: 'https://hook:w3bh00k@backend.example/h', secret: 'webhook-secret' },
      },
      { ATRIUM_PORT: '9100', ATRIUM_APPS: `7:${SECRET},8:${other}`, ATRIUM_LOG_FORMAT: 'pretty' },
    );
    expect(r.stderr).toBe('');
    expect(r.rc).toBe(0);
    const shown = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({
      apps: [
        { appID: 7, serverSecret: '[redacted]' },
        { appID: 8, serverSecret: '[redacted]' },
      ],
      port: 9100,
      host: '127.0.0.1',
      heartbeatIntervalMs: 5000,
      logFormat: 'pretty',
      devMode: false,
      redis: 'redis://default:[redacted]@cache:6379,redis://:[redacted]@cache2:6379',
      webhook: { url: 'https://hook:[redacted]@backend.example/h', secret: '[redacted]', timeoutMs: 5000 },
    });
    for (const secret of [SECRET, other, 'r3d!s', 'p@ss', 'w3bh00k', 'webhook-secret']) {
      expect(r.stdout).not.toContain(secret);
    }
  });

  it('a bad value exits 2 naming the field and where it came from; nothing on stdout', async () => {
    const apps = [{ appID: 7, serverSecret: SECRET }];
    const cases: [unknown, Record<string, string>, string][] = [
      [{ apps, heartbeatIntervalMs: 1 }, {}, 'RoomServerOptions.heartbeatIntervalMs must be'],
      [{ apps, logFormat: 'fancy' }, {}, "RoomServerOptions.logFormat must be 'json' or 'pretty'"],
      [{ apps }, { ATRIUM_LOG_FORMAT: 'fancy' }, 'ATRIUM_LOG_FORMAT: RoomServerOptions.logFormat'],
      [{ apps }, { ATRIUM_PROT: '1' }, 'ATRIUM_PROT: (variable) is not an Atrium variable'],
      [{ apps: [{ appID: 7, serverSecret: 'short' }] }, {}, 'RoomServerOptions.apps[0].serverSecret'],
      [{ port: 1 }, {}, 'RoomServerOptions.apps is missing'],
      ['{ nope', {}, 'is not a JSON object'],
    ];
    for (const [config, env, message] of cases) {
      const r = await check(config, env);
      expect(r.rc, message).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
    }
    const missing = await run(['check-config', join(dir, 'missing.json')]);
    expect(missing.rc).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });

  it('development mode: says where its app will be kept and makes no file', async () => {
    const r = await check({ devMode: true });
    expect(r.rc).toBe(0);
    const shown = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(shown.devMode).toBe(true);
    expect(shown.apps).toContain(join(dir, 'dev.json'));
    await expect(readFile(join(dir, 'dev.json'))).rejects.toThrow(/ENOENT/);
  });

  it('masks URL credentials wherever the last @ of the authority is', () => {
    expect(maskUrl('redis://cache:6379')).toBe('redis://cache:6379');
    expect(maskUrl('redis://onlyuser@cache')).toBe('redis://[redacted]@cache');
    expect(maskUrl('https://a:b@c@host/p?q=x@y')).toBe('https://a:[redacted]@host/p?q=x@y');
  });
});

describe('the bin shim npm links as `atrium`', () => {
  it('runs the built CLI', () => {
    const r = spawnSync(process.execPath, [SHIM, '--version'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('without dist/cli.js says to build first, exit code 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atrium-shim-'));
    try {
      await mkdir(join(dir, 'bin'));
      await copyFile(SHIM, join(dir, 'bin', 'atrium.js'));
      await writeFile(join(dir, 'package.json'), '{"type":"module"}');
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'atrium.js'), '--help'], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${join(dir, 'dist', 'cli.js')} is not built yet`);
      expect(r.stderr).toContain('npm run build');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is what package.json names as the bin, and is executable', async () => {
    const pkg = JSON.parse(await readFile(PKG, 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin.atrium).toBe('./bin/atrium.js');
    expect(pkg.files).toContain('bin');
    const { statSync } = await import('node:fs');
    expect(statSync(SHIM).mode & 0o111).not.toBe(0);
  });
});
