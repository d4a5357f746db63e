// The webhook signature (docs/token04.md, "The webhook signature"), as ZEGO signs its callbacks:
// sha1 of the secret, timestamp and nonce, sorted as strings and concatenated.

import { createHash } from 'node:crypto';

export function webhookSignature(secret: string, timestamp: number | string, nonce: number | string): string {
  const parts = [secret, String(timestamp), String(nonce)].sort();
  return createHash('sha1').update(parts.join('')).digest('hex');
}
