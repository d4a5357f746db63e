// The type test's run-time half: the handlers zego-app.ts types with ZEGO's names register on a
// ZegoExpressEngine, and a media event of ZEGO's full SDK is refused. The compile-time half is
// zego-app.ts itself, checked by `tsc -b`.

import { ZegoExpressEngine } from '@atrium/sdk';
import { describe, expect, it } from 'vitest';
import { appID, onCount, onRTM, server, zegoHandlers } from './zego-app.js';

describe('an app typed against ZEGO names', () => {
  it('registers its ZEGO-typed handlers on a ZegoExpressEngine (media events refused at run time)', () => {
    ZegoExpressEngine.presetLogConfig({ logLevel: 'disable' });
    const zg = new ZegoExpressEngine(appID, server);
    try {
      const results = zegoHandlers(zg);
      expect(results.slice(0, -1).every((r) => r === true)).toBe(true);
      expect(results.at(-1)).toBe(false);
      expect(zg.on('roomOnlineUserCountUpdate', onCount)).toBe(true);
      expect(zg.on('tokenWillExpire', onRTM)).toBe(true);
    } finally {
      zg.destroyEngine();
    }
  });
});
