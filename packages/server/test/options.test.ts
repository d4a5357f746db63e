// Options: defaults, and validation errors that name the field.

import { describe, expect, it } from 'vitest';
import {
  createRoomServer,
  OptionsError,
  type RoomServerOptions,
  resolveOptions,
  SERVER_DEFAULTS,
} from '../src/index.js';
import { SECRET } from './helpers.js';

const apps = [{ appID: 1, serverSecret: SECRET }];

describe('resolveOptions', () => {
  it('fills in the defaults of docs/contract.md', () => {
    const o = resolveOptions({ apps });
    expect(o).toMatchObject({
      port: 8800,
      host: '127.0.0.1',
      heartbeatIntervalMs: 5000,
      sessionGraceMs: 30000,
      maxRoomsPerUser: 5,
      duplicateLogin: 'kick-old',
      kickOnTokenExpiry: false,
      logLevel: 'info',
      onlineCountIntervalMs: 30000,
      roomExtraMaxKeys: 1,
      devMode: false,
    });
    expect(o.maxPayloadBytes).toBe(SERVER_DEFAULTS.maxPayloadBytes);
  });

  const bad: [string, Record<string, unknown>][] = [
    ['apps', { apps: [] }],
    ['apps', {}],
    ['apps[0]', { apps: ['x'] }],
    ['apps[0].appID', { apps: [{ appID: 0, serverSecret: SECRET }] }],
    ['apps[1].appID', { apps: [...apps, ...apps] }],
    ['apps[0].serverSecret', { apps: [{ appID: 1, serverSecret: 'short' }] }],
    ['port', { apps, port: 70000 }],
    ['port', { apps, port: '80' }],
    ['host', { apps, host: '' }],
    ['heartbeatIntervalMs', { apps, heartbeatIntervalMs: 0 }],
    ['maxRoomsPerUser', { apps, maxRoomsPerUser: 0 }],
    ['duplicateLogin', { apps, duplicateLogin: 'both' }],
    ['kickOnTokenExpiry', { apps, kickOnTokenExpiry: 'yes' }],
    ['logLevel', { apps, logLevel: 'loud' }],
    ['webhook', { apps, webhook: 'https://x' }],
    ['webhook.url', { apps, webhook: { url: 'ftp://x', secret: 's' } }],
    ['webhook.secret', { apps, webhook: { url: 'https://x', secret: '' } }],
    ['webhook.retryDelaysMs', { apps, webhook: { url: 'https://x', secret: 's', retryDelaysMs: [-1] } }],
    ['webhook.timeoutMs', { apps, webhook: { url: 'https://x', secret: 's', timeoutMs: 0 } }],
    ['adminRateLimitPerSec', { apps, adminRateLimitPerSec: 0 }],
    ['processMetrics', { apps, processMetrics: 1 }],
    ['logStream', { apps, logStream: {} }],
    ['onlineCountIntervalMs', { apps, onlineCountIntervalMs: -1 }],
    ['roomExtraMaxKeys', { apps, roomExtraMaxKeys: 0 }],
    ['maxPayloadBytes', { apps, maxPayloadBytes: 10 }],
    ['redis', { apps, redis: 'http://localhost:6379' }],
    ['redis', { apps, redis: '' }],
    ['redis', { apps, redis: 'redis://localhost', backend: {} }],
  ];
  for (const [field, input] of bad) {
    it(`names ${field}`, () => {
      try {
        resolveOptions(input as unknown as RoomServerOptions);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(OptionsError);
        expect((error as OptionsError).field).toBe(field);
        expect((error as Error).message).toContain(`RoomServerOptions.${field}`);
      }
    });
  }

  it('createRoomServer rejects bad options before listening', async () => {
    await expect(createRoomServer({ apps: [] })).rejects.toBeInstanceOf(OptionsError);
  });
});
