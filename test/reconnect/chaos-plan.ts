// The chaos run's script, from a seed: who broadcasts or commands what, and which link breaks how
// and for how long. The script is a pure function of the seed (timings on a real network are
// not, so a failing seed reproduces the same workload and faults, not the same interleaving).

export type Fault =
  | { kind: 'reset' }
  | { kind: 'blackhole'; forMs: number }
  | { kind: 'down'; forMs: number }
  | { kind: 'delay'; delayMs: number; forMs: number };

export type Step =
  | { at: number; kind: 'bcast'; client: number }
  | { at: number; kind: 'cmd'; client: number; to: number[] }
  | { at: number; kind: 'fault'; client: number; fault: Fault };

/** mulberry32: small, seedable, good enough to spread a test's choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PlanOptions {
  clients: number;
  durationMs: number;
  graceMs: number;
}

/**
 * Steps every 20–120 ms: mostly broadcasts, some commands, and faults on a client whose previous
 * fault is over. Some `down`s outlast the grace period, so sessions are rebuilt as well as resumed.
 */
export function planChaos(seed: number, o: PlanOptions): Step[] {
  const random = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const busyUntil = new Array<number>(o.clients).fill(0);
  const steps: Step[] = [];
  for (let at = int(20, 120); at < o.durationMs; at += int(20, 120)) {
    const client = int(0, o.clients - 1);
    const roll = random();
    if (roll < 0.55) {
      steps.push({ at, kind: 'bcast', client });
    } else if (roll < 0.7) {
      const to = [...Array(o.clients).keys()].filter((c) => c !== client && random() < 0.6);
      if (to.length > 0) steps.push({ at, kind: 'cmd', client, to });
    } else if (at >= (busyUntil[client] ?? 0)) {
      const fault = pickFault(random, int, o.graceMs);
      busyUntil[client] = at + ('forMs' in fault ? fault.forMs : 0) + 200;
      steps.push({ at, kind: 'fault', client, fault });
    }
  }
  return steps;
}

function pickFault(random: () => number, int: (min: number, max: number) => number, graceMs: number): Fault {
  const roll = random();
  if (roll < 0.3) return { kind: 'reset' };
  if (roll < 0.55) return { kind: 'blackhole', forMs: int(200, 1200) };
  if (roll < 0.8) {
    // One in four outlasts the grace period: that session is rebuilt from a snapshot.
    const long = random() < 0.25;
    return { kind: 'down', forMs: long ? int(graceMs + 300, graceMs + 1000) : int(150, graceMs - 500) };
  }
  return { kind: 'delay', delayMs: int(20, 150), forMs: int(300, 1500) };
}
