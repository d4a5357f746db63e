// What a Backend shared by several nodes must do on top of the single-node contract
// (backend-contract.ts): run it with `clusterContract('redis', makeNode)`, where the backends
// `makeNode` makes within one test are nodes of one cluster (they share their rooms). Each
// node subscribes; what it must see is the messages of the rooms it has members in.

import { Code } from '@atrium/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend/backend.js';
import type { BackendMessage, KickMessage, RoomRef } from '../src/backend/types.js';
import { joinReq } from './backend-contract.js';

export type MakeNode = () => Backend | Promise<Backend>;

const APP = 2;
const WAIT_MS = 5000;
let roomCounter = 0;

/** A node and everything it delivered, with a way to await a message. */
export class Node {
  readonly messages: BackendMessage[] = [];
  private waiters: { pred: (m: BackendMessage) => boolean; resolve: (m: BackendMessage) => void }[] = [];

  constructor(readonly backend: Backend) {
    backend.subscribe((m) => {
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  /** The first message (delivered already, or to come) that matches. */
  waitFor(pred: (m: BackendMessage) => boolean, what = 'a message'): Promise<BackendMessage> {
    const seen = this.messages.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** This node's events of one room. */
  events(room: RoomRef) {
    return this.messages.flatMap((m) => (m.kind === 'event' && m.room.roomID === room.roomID ? [m] : []));
  }

  kicks(room: RoomRef): KickMessage[] {
    return this.messages.flatMap((m) => (m.kind === 'kick' && m.room.roomID === room.roomID ? [m] : []));
  }

  /** Resolves once this node has delivered the room's event `seq`. */
  reached(room: RoomRef, seq: number): Promise<BackendMessage> {
    return this.waitFor(
      (m) => m.kind === 'event' && m.room.roomID === room.roomID && m.seq >= seq,
      `seq ${seq}`,
    );
  }
}

export function clusterContract(name: string, makeNode: MakeNode): void {
  describe(`Backend cluster contract: ${name}`, () => {
    const opened: Backend[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
    });

    async function nodes(n: number): Promise<Node[]> {
      const out: Node[] = [];
      for (let i = 0; i < n; i++) {
        const backend = await makeNode();
        opened.push(backend);
        out.push(new Node(backend));
      }
      return out;
    }

    const freshRoom = (): RoomRef => ({ appID: APP, roomID: `cluster-${process.pid}-${++roomCounter}` });

    it('a member on one node sees what the others write, every node in the one order of the room', async () => {
      const [a, b, c] = await nodes(3);
      if (a === undefined || b === undefined || c === undefined) return;
      const room = freshRoom();
      await a.backend.join(joinReq(room, 'ua'));
      const joinB = await b.backend.join(joinReq(room, 'ub'));
      expect(joinB.ok && joinB.state.members?.map((m) => m.user.userID)).toEqual(['ua', 'ub']);
      await a.reached(room, 2);
      const writers = [a, b].map((node, i) => ({
        node,
        actor: { room, userID: `u${'ab'[i]}`, sessionID: `s-u${'ab'[i]}` },
      }));
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const w = writers[i % 2];
          return w?.node.backend.broadcast({ ...w.actor, message: `m${i}`, nowMs: i });
        }),
      );
      // C has no member there: it writes (as the business backend) but need not see anything.
      await c.backend.broadcast({
        room,
        userID: 'sys',
        sessionID: '',
        asServer: { userName: 'Sys' },
        message: 'c',
        nowMs: 0,
      });
      await Promise.all([a.reached(room, 43), b.reached(room, 43)]);
      const seqs = Array.from({ length: 43 }, (_, i) => i + 1);
      expect(a.events(room).map((e) => e.seq)).toEqual(seqs);
      // B subscribed for its own join (seq 2): from there on it saw what A saw.
      expect(b.events(room)).toEqual(a.events(room).slice(1));
      expect(a.events(room)[1]).toMatchObject({ event: { k: 'join', user: { userID: 'ub' } }, count: 2 });
    });

    it('a duplicate login on one node kicks the session another node holds, in the same room and in another', async () => {
      const [a, b] = await nodes(2);
      if (a === undefined || b === undefined) return;
      const room = freshRoom();
      await a.backend.join(joinReq(room, 'watcher', { sessionID: 'w' }));
      await a.backend.join(joinReq(room, 'u1', { sessionID: 'on-a' }));
      const again = await b.backend.join(joinReq(room, 'u1', { sessionID: 'on-b' }));
      expect(again.ok && again.kicked).toEqual([{ room, sessionID: 'on-a', userID: 'u1' }]);
      expect(await a.waitFor((m) => m.kind === 'kick' && m.sessionID === 'on-a', 'the kick')).toMatchObject({
        room,
        userID: 'u1',
        joinSeq: 2,
        code: Code.KICKED_DUPLICATE_LOGIN,
      });

      // Single-room mode: the same user logging in to another room through another node.
      const other = freshRoom();
      const moved = await a.backend.join(joinReq(other, 'u1', { sessionID: 'on-a-again' }));
      expect(moved.ok && moved.kicked).toEqual([{ room, sessionID: 'on-b', userID: 'u1' }]);
      await b.waitFor((m) => m.kind === 'kick' && m.sessionID === 'on-b', 'the kick in the other room');
      const state = await b.backend.room(room, true);
      expect(state?.members?.map((m) => m.user.userID)).toEqual(['watcher']);
    });

    it('a kick by a node without members there reaches the node that holds the session', async () => {
      const [a, c] = await nodes(2);
      if (a === undefined || c === undefined) return;
      const room = freshRoom();
      await a.backend.join(joinReq(room, 'u1'));
      await a.backend.join(joinReq(room, 'u2'));
      const kick = { code: Code.KICKED_BY_BACKEND, ext: 'bye' };
      expect(await c.backend.remove({ room, userID: 'u1', kick })).toEqual({
        removed: true,
        destroyed: false,
      });
      expect(await a.waitFor((m) => m.kind === 'kick', 'the kick')).toEqual({
        kind: 'kick',
        room,
        sessionID: 's-u1',
        userID: 'u1',
        joinSeq: 1,
        ...kick,
      });
      await a.waitFor((m) => m.kind === 'event' && m.event.k === 'leave', 'the leave');
      expect(c.messages).toEqual([]);
    });

    it('concurrent joins through several nodes admit exactly maxMemberCount', async () => {
      const all = await nodes(3);
      const room = freshRoom();
      await all[0]?.backend.join(joinReq(room, 'first', { maxMemberCount: 6 }));
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => all[i % all.length]?.backend.join(joinReq(room, `c${i}`))),
      );
      expect(results.filter((r) => r?.ok)).toHaveLength(5);
      expect(results.every((r) => r?.ok || r?.code === Code.ROOM_FULL)).toBe(true);
      expect((await all[1]?.backend.room(room, false))?.count).toBe(6);
    });

    it('reject-new: a login through another node is refused, in any room of a single-room user', async () => {
      const [a, b] = await nodes(2);
      if (a === undefined || b === undefined) return;
      const [r1, r2] = [freshRoom(), freshRoom()];
      await a.backend.join(joinReq(r1, 'u1', { sessionID: 'first', duplicateLogin: 'reject-new' }));
      const refused = { ok: false, code: Code.LOGGED_IN_ELSEWHERE };
      expect(
        await b.backend.join(joinReq(r1, 'u1', { sessionID: 'second', duplicateLogin: 'reject-new' })),
      ).toEqual(refused);
      expect(
        await b.backend.join(joinReq(r2, 'u1', { sessionID: 'second', duplicateLogin: 'reject-new' })),
      ).toEqual(refused);
      expect(await b.backend.room(r2, false)).toBeNull();
      // Once the first has left, the user may log in anywhere.
      await a.backend.remove({ room: r1, userID: 'u1' });
      const ok = await b.backend.join(
        joinReq(r2, 'u1', { sessionID: 'second', duplicateLogin: 'reject-new' }),
      );
      expect(ok.ok).toBe(true);
    });

    it('racing single-room logins of one user into two rooms through two nodes leave exactly one', async () => {
      const [a, b] = await nodes(2);
      if (a === undefined || b === undefined) return;
      for (let round = 0; round < 10; round++) {
        const [r1, r2] = [freshRoom(), freshRoom()];
        const user = `racer${round}`;
        const [one, two] = await Promise.all([
          a.backend.join(joinReq(r1, user, { sessionID: `a${round}` })),
          b.backend.join(joinReq(r2, user, { sessionID: `b${round}` })),
        ]);
        expect(one.ok && two.ok).toBe(true);
        const [in1, in2] = [await a.backend.room(r1, false), await b.backend.room(r2, false)];
        expect([in1?.count ?? 0, in2?.count ?? 0].sort()).toEqual([0, 1]);
        // The loser's node was told.
        const [loser, session] = in1 === null ? [a, `a${round}`] : [b, `b${round}`];
        await loser.waitFor((m) => m.kind === 'kick' && m.sessionID === session, 'the loser’s kick');
      }
    });
  });
}
