// Streams published in a loop: one member publishes new streams as fast as its replies come back,
// then others fill the room to its stream cap, every stream with the longest ID and extra info.
// Past the quotas each publish is refused with 1003060 and nothing else happens; a newcomer to
// that room still gets its login reply (the whole stream list, bounded by the room's cap), and
// the probe in another room is never stalled.

import { Code, Limits, type LoginReplyData } from '@atrium/protocol';
import { describe, expect, it } from 'vitest';
import { QuotaDefaults } from '../../packages/server/src/defaults.js';
import { RSS_GROWTH_BOUND_MB, rawLink, rawLogin, STALL_BOUND_MS, useRig } from './support/rig.js';

const ROOM = 'stream-loop';
const EXTRA = 'x'.repeat(Limits.streamExtraInfoMaxBytes);
/** The longest stream ID there is, unique per user and number. */
const streamID = (userID: string, n: number): string =>
  `${userID}-${n}-`.padEnd(Limits.streamIDMaxBytes, 's');

// The stream-change rate is lifted: this suite is about the stream quotas, which a looper
// publishing 400 streams back to back would otherwise not reach past its rate (test/abuse/rates).
const rig = useRig({ rateStreamsPerSec: 1_000_000, rateStreamsBurst: 1_000_000 });

type Link = Awaited<ReturnType<typeof rawLink>>;

/** Publishes `count` new streams one after the other, each once the last is answered; the codes. */
async function publishLoop(link: Link, userID: string, count: number): Promise<number[]> {
  const codes: number[] = [];
  let id = 100;
  for (let n = 0; n < count; n++) {
    const reqID = ++id;
    codes.push(
      await new Promise<number>((resolve, reject) => {
        const onMessage = (data: Buffer) => {
          const frame = JSON.parse(data.toString()) as { t: string; id?: number; code?: number };
          if (frame.t !== 'reply' || frame.id !== reqID) return;
          link.ws.off('message', onMessage);
          resolve(frame.code ?? -1);
        };
        link.ws.on('message', onMessage);
        link.closed.then((code) => reject(new Error(`closed (${code}) while publishing`)));
        link.ws.send(
          JSON.stringify({ t: 'pub', id: reqID, room: ROOM, stream: streamID(userID, n), extra: EXTRA }),
        );
      }),
    );
  }
  return codes;
}

describe('streams published in a loop', () => {
  it('are refused past the quotas, and a newcomer to the full room still gets in', async () => {
    const rssBefore = rig.server.rssMb();
    await rig.probe.reset();
    const perMember = QuotaDefaults.streamsPerMember;
    const publishers = QuotaDefaults.streamsPerRoom / perMember;

    const looper = await rawLink(rig.server.wsUrl);
    await rawLogin(looper, ROOM, 'looper');
    const codes = await publishLoop(looper, 'looper', 400);
    expect(codes.filter((c) => c === 0)).toHaveLength(perMember);
    expect(codes.slice(perMember).every((c) => c === Code.TOO_MANY_STREAMS)).toBe(true);

    // The others fill the room to its cap; one more is refused too.
    for (let i = 1; i < publishers; i++) {
      const link = await rawLink(rig.server.wsUrl);
      await rawLogin(link, ROOM, `p${i}`);
      expect(await publishLoop(link, `p${i}`, perMember)).toEqual(Array(perMember).fill(0));
    }
    const late = await rawLink(rig.server.wsUrl);
    await rawLogin(late, ROOM, 'late');
    expect(await publishLoop(late, 'late', 1)).toEqual([Code.TOO_MANY_STREAMS]);
    expect(await rig.server.limited('streams')).toBe(400 - perMember + 1);

    // A newcomer's login reply lists every stream, in one frame well inside the link's backlog limit.
    const newcomer = await rawLink(rig.server.wsUrl);
    const data = (await rawLogin(newcomer, ROOM, 'newcomer')) as unknown as LoginReplyData;
    expect(data.snapshot.streams).toHaveLength(QuotaDefaults.streamsPerRoom);
    const reply = newcomer.frames.find((f) => f.startsWith('{"t":"reply"')) ?? '';
    console.log(`streams loop: login reply of a room at the stream cap is ${reply.length} bytes`);
    expect(reply.length).toBeLessThan(512 * 1024);

    const { maxStallMs } = await rig.probe.stats();
    console.log(`streams loop: probe's longest stall ${maxStallMs} ms`);
    expect(maxStallMs).toBeLessThan(STALL_BOUND_MS);
    expect(rig.server.rssMb() - rssBefore).toBeLessThan(RSS_GROWTH_BOUND_MB);
  }, 60_000);
});
