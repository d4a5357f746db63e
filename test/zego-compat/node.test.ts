// The ZEGO compatibility suite in Node: the SDK as `import { ZegoExpressEngine } from '@atrium/sdk'`
// against a real server over loopback.

import { ZegoExpressEngine } from '@atrium/sdk';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { APP_ID, type Backend, startBackend } from './backend.js';
import { type Harness, scenarios } from './suite.js';

let backend: Backend;
let harness: Harness;

beforeAll(async () => {
  backend = await startBackend();
  harness = {
    ZegoExpressEngine,
    server: backend.server.wsUrl,
    appID: APP_ID,
    token: backend.token,
    kick: backend.kick,
  };
});

afterAll(() => backend?.close());

describe('ZEGO compatibility (Node)', () => {
  for (const [name, run] of Object.entries(scenarios)) it(name, () => run(harness), 30_000);
});
