// Slow readers: 150 members of a busy room stop reading while others broadcast into it as fast
// as their replies come back. Each is cut as soon as its unsent backlog passes the limit (no
// closing handshake it would never read), barrage is shed before that, the probe in another room
// never stalls, the server's memory stays bounded, a newcomer logs in, and a cut member resumes
// its session afterwards like any member whose link broke.

import { describe, expect, it } from 'vitest';
import { joined, World } from '../support/world.js';
import { RSS_GROWTH_BOUND_MB, rawLink, rawLogin, STALL_BOUND_MS, useRig } from './support/rig.js';

const SLOW = 150;
const MESSAGE = 'x'.repeat(16 * 1024);
const ATTACK_LIMIT_MS = 20_000;

const pingers: ReturnType<typeof setInterval>[] = [];
const world = new World();

// A sender's byte budget high enough to fill the socket buffers of 150 links in seconds; a
// history whose replay fits in a link's backlog limit (16 events of 16 KiB in 1 MiB). The
// message rate is lifted: this suite is about the slow readers, not the sender's rate.
const rig = useRig(
  {
    linkMaxBufferedBytes: 1024 * 1024,
    messageMaxBytes: 16 * 1024,
    inputBytesPerSec: 16 * 1024 * 1024,
    historyMaxEvents: 16,
    rateMessagesPerSec: 1_000_000,
    rateMessagesBurst: 1_000_000,
  },
  {
    cleanUp: async () => {
      for (const pinger of pingers) clearInterval(pinger);
      await world.close();
    },
  },
);

/** Sends requests on a raw link and resolves each with its reply's code. */
function requester(link: Awaited<ReturnType<typeof rawLink>>) {
  let nextID = 100;
  const waiting = new Map<number, (code: number) => void>();
  link.ws.on('message', (data) => {
    const text = data.toString();
    if (!text.startsWith('{"t":"reply"')) return;
    const frame = JSON.parse(text) as { id: number; code: number };
    waiting.get(frame.id)?.(frame.code);
    waiting.delete(frame.id);
  });
  link.ws.on('close', () => {
    for (const resolve of waiting.values()) resolve(-1);
    waiting.clear();
  });
  return (frame: Record<string, unknown>): Promise<number> => {
    const id = nextID++;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      link.ws.send(JSON.stringify({ ...frame, id }));
    });
  };
}

describe('members that stop reading', () => {
  it('are cut at their backlog limit at once, and nobody else is held up', async () => {
    const slow = await Promise.all(
      Array.from({ length: SLOW }, async (_, i) => {
        const link = await rawLink(rig.server.wsUrl);
        const login = await rawLogin(link, 'busy', `slow${i}`);
        // It reads nothing more, but keeps pinging: to the server's heartbeat it is alive.
        link.ws.pause();
        const pinger = setInterval(() => link.ws.send('{"t":"ping"}'), 1000);
        link.ws.on('close', () => clearInterval(pinger));
        pingers.push(pinger);
        return { link, login };
      }),
    );
    const sender = async (n: number) => {
      const link = await rawLink(rig.server.wsUrl);
      await rawLogin(link, 'busy', `sender${n}`);
      return requester(link);
    };
    const rssBefore = rig.server.rssMb();
    await rig.probe.reset();

    // Cut links are the server's to see: a peer that does not read does not see its link end.
    let allCut = false;
    const watch = setInterval(() => {
      rig.server
        .links()
        .then((n) => {
          allCut = n <= 2; // the probe and the sender
        })
        .catch(() => {});
    }, 100);
    const deadline = Date.now() + ATTACK_LIMIT_MS;
    let maxRssMb = rssBefore;
    // One sender at a time (another member would be as busy reading as the server is writing).
    // It goes past its input budget, is paused, and in the end closed for keeping at it: the
    // attack goes on from a fresh link then.
    let senders = 0;
    try {
      let request: ((frame: Record<string, unknown>) => Promise<number>) | undefined;
      for (let n = 0; !allCut && Date.now() < deadline; n++) {
        request ??= await sender(senders++).catch(() => undefined);
        if (request === undefined) continue;
        // Barrage too: droppable, it is shed on links with a backlog before they are cut.
        const code = await request({ t: n % 4 === 0 ? 'barrage' : 'bcast', room: 'busy', msg: MESSAGE });
        if (code === -1) request = undefined;
        else expect(code).toBe(0);
        if (n % 16 === 0) maxRssMb = Math.max(maxRssMb, rig.server.rssMb());
      }
    } finally {
      clearInterval(watch);
    }
    expect(allCut, 'every slow member was cut while the broadcasts went on').toBe(true);

    const { maxStallMs } = await rig.probe.stats();
    console.log(
      `slow readers: probe's longest stall ${maxStallMs} ms, ${senders} sender links, RSS ${rssBefore.toFixed(0)} → max ${maxRssMb.toFixed(0)} MB`,
    );
    expect(maxStallMs).toBeLessThan(STALL_BOUND_MS);
    expect(maxRssMb - rssBefore).toBeLessThan(RSS_GROWTH_BOUND_MB);
    expect(await rig.server.limited('link_backlog')).toBeGreaterThanOrEqual(SLOW);
    expect(await rig.server.limited('shed')).toBeGreaterThan(0);

    // A newcomer logs in; a cut member (which finds its link gone once it reads) resumes its
    // session on a fresh link.
    slow[0]?.link.ws.resume();
    await slow[0]?.link.closed;
    await joined(world, rig.server, 'after', 'newcomer');
    const back = await rawLink(rig.server.wsUrl);
    const { session, key } = slow[0]?.login ?? { session: '', key: '' };
    const resumed = await requester(back)({ t: 'resume', session, key, rooms: { busy: 0 } });
    expect(resumed).toBe(0);
  }, 60_000);
});
