// A configuration mistake must never open the server: apps named wrongly, a misspelt variable,
// a file without apps, NODE_ENV=production, an unknown createRoomServer option are errors that
// name what is wrong — never a quiet fall into development mode.

import { describe, expect, it } from 'vitest';
import { main, planServe } from '../src/cli/main.js';
import { isLoopbackHost } from '../src/config/safety.js';
import { OptionsError } from '../src/index.js';
import { apps, literal, refusal, refusedByServer, useConfigDir } from './config-helpers.js';
import { SECRET } from './helpers.js';

const { configFile } = useConfigDir('atrium-safety-');

describe('apps named wrongly are an error naming the field, never development mode', () => {
  it('in a config file', async () => {
    const cases: [unknown, string][] = [
      [{ apps: {} }, 'RoomServerOptions.apps must be a non-empty array'],
      [{ apps: [] }, 'RoomServerOptions.apps must be a non-empty array'],
      [{ apps: null }, 'RoomServerOptions.apps must be a non-empty array'],
      [{ apps: { 7: SECRET } }, 'RoomServerOptions.apps must be a non-empty array'],
      [{ port: 8800 }, 'RoomServerOptions.apps is missing'],
      [{ apps: [{ appId: 7, serverSecret: SECRET }] }, 'RoomServerOptions.apps[0].appID'],
      [{ devMode: false }, 'RoomServerOptions.apps is missing'],
    ];
    for (const [content, message] of cases) {
      const path = await configFile('apps.json', content);
      expect(await refusal(['--config', path]), JSON.stringify(content)).toMatch(
        new RegExp(`^${literal(`${path}: ${message}`)}`),
      );
    }
  });

  it('in the environment: an empty ATRIUM_APPS, and every unknown ATRIUM_* variable with a suggestion', async () => {
    expect(await refusal([], { ATRIUM_APPS: '' })).toBe(
      'ATRIUM_APPS: apps is set but empty (unset it for development mode)',
    );
    expect(await refusal([], { ATRIUM_APP: `7:${SECRET}` })).toBe(
      'ATRIUM_APP: (variable) is not an Atrium variable (did you mean ATRIUM_APPS?)',
    );
    expect(await refusal([], { ATRIUM_PROT: '80' })).toBe(
      'ATRIUM_PROT: (variable) is not an Atrium variable (did you mean ATRIUM_PORT?)',
    );
    expect(await refusal([], { ATRIUM_WEBHOOK_SECERT: 'x' })).toContain(
      'did you mean ATRIUM_WEBHOOK_SECRET?',
    );
    expect(await refusal([], { ATRIUM_ZZZ: '1' })).toBe('ATRIUM_ZZZ: (variable) is not an Atrium variable');
    // The repository's own tools' variables are not the server's, and not mistakes.
    expect((await planServe([], undefined, { ATRIUM_REDIS_SERVER: '/usr/bin/redis-server' })).devMode).toBe(
      true,
    );
  });

  it('an unknown field of the file says which one it probably meant', async () => {
    const path = await configFile('typo.json', { apps, sesionGraceMs: 100 });
    expect(await refusal(['--config', path])).toMatch(
      new RegExp(`^${literal(`${path}: sesionGraceMs is not an option (did you mean sessionGraceMs?)`)}`),
    );
  });
});

describe('devMode', () => {
  it('is honoured in a file: the named apps, with /dev/token and /dev/admin for the first', async () => {
    const plan = await planServe(
      ['--config', await configFile('dev.json', { apps, devMode: true })],
      undefined,
      {},
    );
    expect(plan.devMode).toBe(true);
    expect(plan.options).toMatchObject({ apps, devMode: true });
    const noApps = await planServe(
      ['--config', await configFile('dev2.json', { devMode: true })],
      undefined,
      {},
    );
    expect(noApps.devMode).toBe(true);
    expect(noApps.options.apps).toHaveLength(1);
  });

  it('never with NODE_ENV=production', async () => {
    expect(await refusal([], { NODE_ENV: 'production' })).toBe(
      'NODE_ENV: RoomServerOptions.apps is required with NODE_ENV=production',
    );
    const path = await configFile('prod-dev.json', { apps, devMode: true });
    expect(await refusal(['--config', path], { NODE_ENV: 'production' })).toMatch(
      new RegExp(`^${literal(`${path}: RoomServerOptions.devMode is refused with NODE_ENV=production`)}`),
    );
    const named = await planServe(['--config', await configFile('prod.json', { apps })], undefined, {
      NODE_ENV: 'production',
    });
    expect(named.devMode).toBe(false);
  });

  it('refuses a host other than loopback unless --dev-expose, which prints a warning', async () => {
    expect(await refusal(['--host', '0.0.0.0'])).toMatch(
      /^--host: RoomServerOptions\.host is 0\.0\.0\.0, not loopback: .* unless devExpose \(--dev-expose\)/,
    );
    expect(await refusal([], { ATRIUM_HOST: '::' })).toMatch(/^ATRIUM_HOST: RoomServerOptions\.host is ::,/);
    expect(await refusal(['--host', '127.0.0.1.evil.example'])).toContain('not loopback');
    const exposed = await planServe(['--host', '0.0.0.0', '--dev-expose'], undefined, {});
    expect(exposed.options).toMatchObject({ host: '0.0.0.0', devExpose: true, devMode: true });
    // Naming apps is not development mode: any host.
    const path = await configFile('public.json', { apps, host: '0.0.0.0' });
    expect((await planServe(['--config', path], undefined, {})).devMode).toBe(false);

    let stderr = '';
    const io = {
      stdout: () => {},
      stderr: (t: string) => {
        stderr += t;
      },
    };
    expect(await main(['serve', '--host', '0.0.0.0'], io)).toBe(2);
    expect(stderr).toContain('not loopback');
  });

  it('knows loopback when it sees it', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '127.0.0.1.nip.io', '128.0.0.1', 'example.com', '']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });
});

describe('createRoomServer(options) is checked like a file', () => {
  it('an unknown option is an error naming it, with a suggestion', async () => {
    const refused = refusedByServer;
    const typo = await refused({ heartbeatIntervalMS: 100 });
    expect(typo).toBeInstanceOf(OptionsError);
    expect(typo.field).toBe('heartbeatIntervalMS');
    expect(typo.message).toBe(
      'RoomServerOptions.heartbeatIntervalMS is not an option (did you mean heartbeatIntervalMs?)',
    );
    const nested = await refused({ webhook: { url: 'https://x.example', secret: 's', timeout: 5 } });
    expect(nested.message).toBe(
      'RoomServerOptions.webhook.timeout is not an option (did you mean timeoutMs?)',
    );
    expect((await refused({ devMode: true, host: '0.0.0.0' })).field).toBe('host');
  });
});
