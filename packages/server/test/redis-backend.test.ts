// The Backend contract against Redis: a real redis-server started for this file. Each test
// gets its own key prefix: the contract's rooms are unique, but its userIDs are not, and the
// user index outlives a test's backends (which leave their members behind).

import { beforeEach } from 'vitest';
import { type TestRedis, useTestRedis } from '../../../test/support/redis.js';
import { RedisBackend } from '../src/backend/redis/redis.js';
import { clusterContract } from './backend-cluster-contract.js';
import { backendContract } from './backend-contract.js';
import { backendQuotasContract } from './backend-quotas-contract.js';

let redis: TestRedis;
let keyPrefix = '';
let testNumber = 0;
useTestRedis((r) => {
  redis = r;
});
beforeEach(() => {
  keyPrefix = `contract${++testNumber}`;
});

backendContract(
  'redis',
  ({ historyMaxEvents }) => new RedisBackend({ url: redis.url, historyMaxEvents, keyPrefix }),
);

clusterContract('redis', () => new RedisBackend({ url: redis.url, keyPrefix }));

backendQuotasContract('redis', () => new RedisBackend({ url: redis.url, keyPrefix }));
