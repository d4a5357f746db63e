// The edges of the configuration guard: variable names in any case, variables set but empty,
// a metrics address with no metrics port, NODE_ENV spelt other ways, credentials in the webhook
// URL that do not decode, and a polluted Object.prototype. Each is refused naming what is wrong
// (or, for the prototype, changes nothing) — never a quieter, more open server.

import { describe, expect, it } from 'vitest';
import { planServe } from '../src/cli/main.js';
import { OptionsError, resolveOptions } from '../src/index.js';
import { apps, refusal, refusedByServer, useConfigDir } from './config-helpers.js';
import { SECRET } from './helpers.js';

const { configFile } = useConfigDir('atrium-edges-');

describe('environment variables', () => {
  it('an ATRIUM_ prefix in any case is ours: atrium_apps is refused, not development mode', async () => {
    for (const name of ['atrium_apps', 'Atrium_APPS', 'ATRIUM_apps', 'atrium_port']) {
      expect(await refusal([], { [name]: `7:${SECRET}` }), name).toMatch(
        new RegExp(
          `^${name}: \\(variable\\) is not an Atrium variable \\(did you mean ATRIUM_(APPS|PORT)\\?\\)`,
        ),
      );
    }
  });

  it('a variable set but empty is refused naming it, not taken as unset', async () => {
    for (const [name, field] of [
      ['ATRIUM_METRICS_PORT', 'metricsPort'],
      ['ATRIUM_WEBHOOK_SECRET', 'webhook.secret'],
      ['ATRIUM_HOST', 'host'],
      ['ATRIUM_ACCEPT_CBC_TOKENS', 'acceptCbcTokens'],
    ]) {
      expect(await refusal([], { ATRIUM_APPS: `7:${SECRET}`, [name as string]: '' }), name).toBe(
        `${name}: ${field} is set but empty (unset it for the default)`,
      );
    }
  });
});

describe('metricsHost', () => {
  it('without metricsPort is refused, in a file, the environment and createRoomServer', async () => {
    const path = await configFile('mhost.json', { apps, metricsHost: '10.0.0.5' });
    expect(await refusal(['--config', path])).toBe(
      `${path}: RoomServerOptions.metricsHost is set without metricsPort: there is no metrics listener, ` +
        'and /metrics stays on the public one',
    );
    expect(await refusal([], { ATRIUM_APPS: `7:${SECRET}`, ATRIUM_METRICS_HOST: '127.0.0.1' })).toMatch(
      /^ATRIUM_METRICS_HOST: RoomServerOptions\.metricsHost is set without metricsPort/,
    );
    const error = await refusedByServer({ metricsHost: '127.0.0.1' });
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).field).toBe('metricsHost');
    const both = await planServe([], undefined, {
      ATRIUM_APPS: `7:${SECRET}`,
      ATRIUM_METRICS_HOST: '127.0.0.1',
      ATRIUM_METRICS_PORT: '0',
    });
    expect(both.options).toMatchObject({ metricsHost: '127.0.0.1', metricsPort: 0 });
  });
});

describe('NODE_ENV', () => {
  it('development mode runs only with NODE_ENV unset, development or test, in any case', async () => {
    for (const nodeEnv of ['Production', 'PRODUCTION', 'production ', 'prod', 'staging']) {
      expect(await refusal([], { NODE_ENV: nodeEnv }), nodeEnv).toBe(
        `NODE_ENV: RoomServerOptions.apps is required with NODE_ENV=${nodeEnv}`,
      );
    }
    for (const nodeEnv of ['development', 'Development', 'test', '']) {
      expect((await planServe([], undefined, { NODE_ENV: nodeEnv })).devMode, nodeEnv).toBe(true);
    }
    // An app named: NODE_ENV is the operator's business.
    expect(
      (await planServe([], undefined, { NODE_ENV: 'staging', ATRIUM_APPS: `7:${SECRET}` })).devMode,
    ).toBe(false);
  });
});

describe('webhook.url credentials', () => {
  it('a malformed percent-escape in the user name or password is refused naming the field', async () => {
    const problem =
      'RoomServerOptions.webhook.url has a user name or password that is not valid percent-encoding';
    for (const url of ['https://us%zz:pw@hooks.example/', 'https://user:p%E0%A4%A@hooks.example/']) {
      const path = await configFile('hook.json', { apps, webhook: { url, secret: 's' } });
      const message = await refusal(['--config', path]);
      expect(message, url).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${problem}`));
      // The credentials themselves stay out of the message.
      expect(message).not.toContain('pw');
      const error = await refusedByServer({ webhook: { url, secret: 's' } });
      expect(error, url).toBeInstanceOf(OptionsError);
      expect((error as OptionsError).field).toBe('webhook.url');
    }
    expect(
      resolveOptions({ apps, webhook: { url: 'https://u%40x:p%25w@h.example/', secret: 's' } }).webhook?.url,
    ).toBe('https://u%40x:p%25w@h.example/');
  });
});

describe('a polluted Object.prototype', () => {
  it('turns nothing on: options are read from their own fields only', async () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.devMode = true;
    proto.devExpose = true;
    proto.host = '0.0.0.0';
    try {
      const resolved = resolveOptions({ apps });
      expect(resolved).toMatchObject({ devMode: false, devExpose: false, host: '127.0.0.1' });
      const path = await configFile('named.json', { apps });
      const plan = await planServe(['--config', path], undefined, {});
      expect(plan.devMode).toBe(false);
      const env = await planServe([], undefined, { ATRIUM_APPS: `7:${SECRET}` });
      expect(env.devMode).toBe(false);
    } finally {
      delete proto.devMode;
      delete proto.devExpose;
      delete proto.host;
    }
  });
});

describe('--dev-allowed-hosts', () => {
  it('lists the names development mode answers; a name with a port or scheme is refused', async () => {
    const plan = await planServe(['--dev-allowed-hosts', 'atrium.lan, Dev.Example'], undefined, {});
    expect(plan.options.devAllowedHosts).toEqual(['atrium.lan', 'Dev.Example']);
    expect(resolveOptions(plan.options).devAllowedHosts).toEqual(['atrium.lan', 'dev.example']);
    expect(await refusal(['--dev-allowed-hosts', 'atrium.lan:8800'])).toMatch(
      /^--dev-allowed-hosts: RoomServerOptions\.devAllowedHosts must be an array of at most 100 host names/,
    );
    const path = await configFile('allowed.json', { devMode: true, devAllowedHosts: 'atrium.lan' });
    expect(await refusal(['--config', path])).toMatch(/RoomServerOptions\.devAllowedHosts must be an array/);
  });
});

describe('a webhook set partly by the file, partly by the environment', () => {
  it('an error in one of its fields names where that field came from', async () => {
    const url = 'https://us%zz:pw@hooks.example/';
    expect(
      await refusal([], { ATRIUM_APPS: `7:${SECRET}`, ATRIUM_WEBHOOK_URL: url, ATRIUM_WEBHOOK_SECRET: 's' }),
    ).toMatch(/^ATRIUM_WEBHOOK_URL: RoomServerOptions\.webhook\.url has a user name or password/);
    const path = await configFile('hook-url.json', { apps, webhook: { url } });
    expect(await refusal(['--config', path], { ATRIUM_WEBHOOK_SECRET: 's' })).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: RoomServerOptions\\.webhook\\.url has`),
    );
  });
});
