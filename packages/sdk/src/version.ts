/** Kept equal to package.json's version by test/version.test.ts (no JSON import in browsers). */
export const SDK_VERSION = '0.1.0';
