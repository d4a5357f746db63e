// The repository carries a copy of the specification's TypeScript surface (contract/api.d.ts) so
// that a clone builds and type-checks on its own. Where the specification sits beside the
// checkout (../shared, as in the team's workspace and CI), the copy must match it byte for byte.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const copy = fileURLToPath(new URL('../contract/api.d.ts', import.meta.url));
const spec = fileURLToPath(new URL('../../shared/api.d.ts', import.meta.url));

describe('contract/api.d.ts', () => {
  it('is the specification’s api.d.ts, when the specification is beside the checkout', () => {
    const text = readFileSync(copy, 'utf8');
    expect(text).toContain('export declare class RoomEngine');
    if (existsSync(spec)) expect(text).toBe(readFileSync(spec, 'utf8'));
  });
});
