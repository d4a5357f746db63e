// The JSON log lines of a busy run, at the most verbose level, never carry a token, a resume
// key or a secret: logins (good and bad tokens), renew, resume, the signed admin API (good and
// bad signatures), development-mode endpoints, and webhooks with a failing receiver.

import { afterEach, describe, expect, it } from 'vitest';
import { admin, adminOk, WebhookReceiver } from './admin-helpers.js';
import { APP_ID, Harness, OTHER_SECRET, SECRET, tokenFor } from './helpers.js';
import { dropLink, member, resumeOn } from './resume-helpers.js';

const h = new Harness();
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await h.close();
  await receiver?.close();
});

describe('logs', () => {
  it('are JSON lines that name what happened but hold no token, key or secret', async () => {
    receiver = await WebhookReceiver.start();
    receiver.answer = (r) => (r.attempt === 1 ? 500 : 200);
    const hookSecret = 'webhook-secret-that-must-not-leak';
    const urlSecret = 'query-credential-that-must-not-leak';
    const lines: string[] = [];
    const s = await h.server({
      logLevel: 'trace',
      logStream: { write: (line: string) => lines.push(line) },
      devMode: true,
      webhook: { url: `${receiver.url}?auth=${urlSecret}`, secret: hookSecret, retryDelaysMs: [10] },
    });
    const tokens: string[] = [];
    const token = (userID: string, o: Parameters<typeof tokenFor>[1] = {}) => {
      const t = tokenFor(userID, o);
      tokens.push(t);
      return t;
    };

    const ann = await member(h, s, ['r1'], 'ann', { token: token('ann') });
    await ann.client.request({ t: 'renew', token: token('ann', { ttlSec: 7200 }) });
    const bad = await h.client(s);
    await bad.login('r1', 'eve', { token: `not-a-token-${SECRET}` });
    await bad.login('r1', 'eve', { token: token('someone-else') });
    await bad.login('r1', 'eve', { token: token('eve', { secret: OTHER_SECRET }) });
    const seqs = await dropLink(ann);
    const resumed = await resumeOn(h, s, ann, seqs);
    await resumeOn(h, s, { session: ann.session, key: `${ann.key}x` }, seqs);
    await adminOk(s, 'DescribeUserList', { RoomId: 'r1' });
    await admin(s, 'DescribeUserList', { RoomId: 'r1' }, { signature: 'e'.repeat(32) });
    await admin(s, 'DescribeUserList', { RoomId: 'r1' }, { secret: OTHER_SECRET });
    await adminOk(s, 'KickoutUser', { RoomId: 'r1', UserId: ['ann'], CustomReason: 'bye' });
    await fetch(`${s.httpUrl}/dev/token?userID=dev`).then((r) => r.json());
    await fetch(`${s.httpUrl}/dev/admin?Action=DescribeUserNum&RoomId[]=r1&AppId=${APP_ID}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    await resumed.client.waitFor((f) => f.t === 'kick');
    await receiver.until(() => receiver?.events().includes('room_close') === true);
    await s.close();

    const text = lines.join('');
    const records = lines.map((l) => JSON.parse(l) as { msg: string; level: number });
    const messages = records.map((r) => r.msg);
    expect(messages).toContain('room server listening');
    expect(messages).toContain('admin request');
    expect(messages).toContain('session kicked from a room');
    expect(messages).toContain('room server closed');
    const secrets = [SECRET, OTHER_SECRET, hookSecret, urlSecret, ann.key, ...tokens];
    for (const secret of secrets)
      expect(text.includes(secret), `log holds ${secret.slice(0, 12)}…`).toBe(false);
    // Nor any long piece of a token (a prefix would do for a replay of a leaked log).
    for (const t of tokens) expect(text.includes(t.slice(0, 24))).toBe(false);
  });
});
