import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources, so a change is tested without a build step.
    alias: {
      '@atrium/protocol': src('protocol'),
      '@atrium/token': src('token'),
      '@atrium/sdk': src('sdk'),
      '@atrium/server': src('server'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The Docker test builds an image and starts a cluster of containers (a minute or more):
    // CI runs it (.ci/run sets CI=true and starts Docker), a plain `npm test` does not.
    exclude: [...configDefaults.exclude, ...(process.env.CI === 'true' ? [] : ['test/ship/docker.test.ts'])],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
