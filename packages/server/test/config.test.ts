// `atrium serve` configuration: the file's fields checked at start with errors that name the
// field and the file, ATRIUM_* variables over the file, flags over both.

import { describe, expect, it } from 'vitest';
import { main, planServe } from '../src/cli/main.js';
import { CONFIG_FIELDS, ConfigError, ENV_VARS, parseConfigFile } from '../src/config/load.js';
import { resolveOptions } from '../src/index.js';
import { apps, literal, refusal, useConfigDir } from './config-helpers.js';
import { OTHER_SECRET, SECRET } from './helpers.js';

const { configFile } = useConfigDir('atrium-config-');

describe('the config file', () => {
  it('may set every RoomServerOptions field JSON can express', async () => {
    const full = {
      apps,
      port: 0,
      host: '127.0.0.1',
      heartbeatIntervalMs: 2000,
      sessionGraceMs: 10_000,
      kickMemoryMs: 60_000,
      leaseTtlMs: 3000,
      maxRoomsPerUser: 3,
      maxStreamsPerMember: 4,
      maxStreamsPerRoom: 40,
      maxRoomMembers: 500,
      duplicateLogin: 'reject-new',
      kickOnTokenExpiry: true,
      webhook: { url: 'https://example.com/hook', secret: 's', retryDelaysMs: [1000], timeoutMs: 900 },
      logLevel: 'warn',
      onlineCountIntervalMs: 5000,
      messageMaxBytes: 2048,
      roomExtraMaxKeys: 2,
      roomExtraKeyMaxBytes: 20,
      roomExtraValueMaxBytes: 200,
      historyMaxEvents: 100,
      maxPayloadBytes: 200_000,
      linkMaxBufferedBytes: 4096,
      serverMaxBufferedBytes: 65536,
      admissionLagMs: 80,
      admissionMaxPendingLinks: 64,
      onlineCountEveryChangeBelow: 100,
      staticDir: '/srv/atrium',
      devMode: false,
      adminRateLimitPerSec: 20,
      adminRateLimitPerSourcePerSec: 10,
      devExpose: false,
      devAllowedHosts: ['atrium.lan'],
      acceptCbcTokens: false,
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      processMetrics: false,
      logFormat: 'pretty',
      loginDeadlineMs: 5000,
      maxLinks: 500,
      maxLinksPerIp: 100,
      maxLinksBeforeLogin: 200,
      inputFramesPerSec: 200,
      inputBytesPerSec: 500_000,
      loginInputFramesPerSec: 10,
      loginInputBytesPerSec: 10_000,
      loginMaxMessageBytes: 8192,
      httpFirstByteTimeoutMs: 1500,
      httpHeadersTimeoutMs: 5000,
      httpRequestTimeoutMs: 20_000,
      adminBodyTimeoutMs: 3000,
      rateMessagesPerSec: 40,
      rateMessagesBurst: 80,
      rateExtraPerSec: 5,
      rateExtraBurst: 10,
      rateStreamsPerSec: 10,
      rateStreamsBurst: 20,
      rateLoginsPerSec: 2,
      rateLoginsBurst: 4,
      rateLoginsPerIpPerSec: 100,
      rateLoginsPerIpBurst: 500,
    };
    expect(Object.keys(full).sort()).toEqual([...CONFIG_FIELDS].filter((f) => f !== 'redis').sort());
    const plan = await planServe(['--config', await configFile('full.json', full)], undefined, {});
    expect(plan.options).toMatchObject({ ...full, webhook: { ...full.webhook } });
    expect(resolveOptions(plan.options).webhook).toEqual({
      url: 'https://example.com/hook',
      secret: 's',
      retryDelaysMs: [1000],
      timeoutMs: 900,
      maxQueued: 10_000,
      maxQueuedPerRoom: 1000,
      maxConcurrent: 16,
      drainOnCloseMs: 2000,
    });
  });

  it('an unknown field is refused by name (a typo must not be silently ignored)', async () => {
    const path = await configFile('typo.json', { apps, heartbeatIntervalMS: 100 });
    expect(await refusal(['--config', path])).toMatch(
      new RegExp(`^${literal(path)}: heartbeatIntervalMS is not an option`),
    );
    expect(() => parseConfigFile('x.json', '{"now": 1}')).toThrow(ConfigError);
    expect(() => parseConfigFile('x.json', '[1]')).toThrow('x.json: (file) is not a JSON object');
  });

  it('a bad value names the file and the field, nested fields included', async () => {
    const cases: [unknown, string][] = [
      [
        { apps, heartbeatIntervalMs: 5 },
        'RoomServerOptions.heartbeatIntervalMs must be an integer from 20 to 86400000',
      ],
      [{ apps: [{ appID: 7, serverSecret: 'short' }] }, 'RoomServerOptions.apps[0].serverSecret must be'],
      [{ apps, webhook: { url: 'ftp://x', secret: 's' } }, 'RoomServerOptions.webhook.url must be an http'],
      [
        { apps, webhook: { url: 'https://x', secret: 's', maxQueued: 0 } },
        'RoomServerOptions.webhook.maxQueued',
      ],
      [{ apps, duplicateLogin: 'both' }, 'RoomServerOptions.duplicateLogin'],
      [{ apps, redis: 'localhost:6379' }, 'RoomServerOptions.redis'],
    ];
    for (const [content, message] of cases) {
      const path = await configFile('bad.json', content);
      expect(await refusal(['--config', path])).toMatch(new RegExp(`^${literal(`${path}: ${message}`)}`));
    }
  });

  it('`atrium serve` exits 2 with the message on stderr', async () => {
    const path = await configFile('bad-port.json', { apps, port: 99999 });
    let stderr = '';
    const code = await main(['serve', '--config', path], {
      stdout: () => {},
      stderr: (t) => {
        stderr += t;
      },
    });
    expect(code).toBe(2);
    expect(stderr).toBe(`atrium: ${path}: RoomServerOptions.port must be an integer from 0 to 65535\n`);
  });
});

describe('environment variables', () => {
  it('override the file; flags override both', async () => {
    const path = await configFile('base.json', {
      apps,
      port: 1000,
      host: '127.0.0.1',
      logLevel: 'info',
      heartbeatIntervalMs: 3000,
      webhook: { url: 'https://example.com/hook', secret: 'from-file' },
    });
    const env = {
      ATRIUM_PORT: '2000',
      ATRIUM_HOST: '0.0.0.0',
      ATRIUM_LOG_LEVEL: 'debug',
      ATRIUM_HEARTBEAT_INTERVAL_MS: '1500',
      ATRIUM_SESSION_GRACE_MS: '45000',
      ATRIUM_KICK_ON_TOKEN_EXPIRY: 'true',
      ATRIUM_WEBHOOK_SECRET: 'from-env',
      ATRIUM_ADMIN_RATE_LIMIT_PER_SEC: '7',
      ATRIUM_REDIS: 'redis://127.0.0.1:6399',
    };
    const plan = await planServe(['--config', path, '--port', '3000'], undefined, env);
    expect(plan.options).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      logLevel: 'debug',
      heartbeatIntervalMs: 1500,
      sessionGraceMs: 45_000,
      kickOnTokenExpiry: true,
      adminRateLimitPerSec: 7,
      redis: 'redis://127.0.0.1:6399',
      // The URL from the file, the secret from the environment.
      webhook: { url: 'https://example.com/hook', secret: 'from-env' },
    });
    expect(plan.devMode).toBe(false);
  });

  it('ATRIUM_APPS names the apps (appID:secret, comma-separated), which turns development mode off', async () => {
    const plan = await planServe([], undefined, { ATRIUM_APPS: `7:${SECRET},8:${OTHER_SECRET}` });
    expect(plan.devMode).toBe(false);
    expect(plan.options.apps).toEqual([
      { appID: 7, serverSecret: SECRET },
      { appID: 8, serverSecret: OTHER_SECRET },
    ]);
    expect((await planServe([], undefined, {})).devMode).toBe(true);
  });

  it('a value that cannot be read, or is out of range, names the variable', async () => {
    expect(await refusal([], { ATRIUM_PORT: 'eighty' })).toBe(
      'ATRIUM_PORT: port must be a non-negative integer',
    );
    expect(await refusal([], { ATRIUM_PORT: '70000' })).toBe(
      'ATRIUM_PORT: RoomServerOptions.port must be an integer from 0 to 65535',
    );
    expect(await refusal([], { ATRIUM_KICK_ON_TOKEN_EXPIRY: 'yes' })).toBe(
      'ATRIUM_KICK_ON_TOKEN_EXPIRY: kickOnTokenExpiry must be true, false, 1 or 0',
    );
    expect(await refusal([], { ATRIUM_APPS: 'seven' })).toBe(
      'ATRIUM_APPS: apps[0] must be appID:serverSecret, comma-separated',
    );
    expect(await refusal([], { ATRIUM_APPS: '7:short' })).toBe(
      'ATRIUM_APPS: RoomServerOptions.apps[0].serverSecret must be a 32-character string',
    );
    expect(await refusal([], { ATRIUM_LOG_LEVEL: 'loud' })).toContain(
      'ATRIUM_LOG_LEVEL: RoomServerOptions.logLevel',
    );
  });

  it('every variable sets a field a config file may set', () => {
    const fields = new Set<string>(CONFIG_FIELDS);
    for (const v of ENV_VARS) {
      expect(v.name).toMatch(/^ATRIUM_[A-Z_]+$/);
      expect(fields.has(v.field.split('.')[0] ?? ''), v.name).toBe(true);
    }
  });
});
