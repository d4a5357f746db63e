// The ZEGO compatibility suite: scenarios written the way the ZEGO Express Web SDK documents its
// room and IM API (ZegoExpressEngine, try/catch on failures, JSON.parse of extendedData, the
// publish call shape, destroyEngine), with nothing Atrium-specific but the harness (kit.ts). The
// same scenarios run in Node (node.test.ts) and in Chromium with the browser bundle (browser.test.ts).

import type { Scenarios } from './kit.js';
import { messageScenarios } from './suite-messages.js';
import { roomScenarios } from './suite-rooms.js';

export type { Harness } from './kit.js';

/** One entry per test, by name, in both environments. */
export const scenarios: Scenarios = { ...roomScenarios, ...messageScenarios };
