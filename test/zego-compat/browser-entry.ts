// The page side of browser.test.ts: the SDK's browser bundle and the suite, run one scenario at a
// time on request. Tokens and kicks come from the Node side (functions it exposes to the page).

import { ZegoExpressEngine } from '@atrium/sdk';
import { scenarios } from './suite.js';

export interface Outcome {
  ok: boolean;
  message?: string;
}

declare global {
  interface Window {
    zegoCompat: { run(name: string, server: string, appID: number): Promise<Outcome> };
    zegoCompatToken(userID: string, canPublish?: boolean): Promise<string>;
    zegoCompatKick(roomID: string, userID: string, reason: string): Promise<void>;
  }
}

window.zegoCompat = {
  async run(name, server, appID) {
    const run = scenarios[name];
    if (run === undefined) return { ok: false, message: `no scenario named "${name}"` };
    try {
      await run({
        ZegoExpressEngine,
        server,
        appID,
        token: (userID, canPublish) => window.zegoCompatToken(userID, canPublish),
        kick: (roomID, userID, reason) => window.zegoCompatKick(roomID, userID, reason),
      });
      return { ok: true };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
  },
};
