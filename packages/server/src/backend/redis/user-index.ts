// The per-app user index of cluster mode: which rooms a user is in, through which session, so a
// login can find the memberships it displaces (duplicate login, docs/contract.md "Kicks") in any
// room. It lives in its own Cluster slot (`{<appID>:u:<userID>}`), apart from the rooms, so it is
// kept by separate steps: a join records its membership here after joining (the record names what
// it displaces, and decides a race between two logins: the later record wins), a removal forgets
// exactly the membership it removed. A membership the rooms no longer hold (a node gone before its
// removal was recorded) is only a hint: reject-new checks entries against the room itself and
// prunes what is gone; kick-old just finds nothing to remove.

import { Defaults } from '@atrium/protocol';
import type { JoinRequest, RoomRef } from '../types.js';
import { asArray, asInt, asString } from './codec.js';
import type { RedisClient } from './keys.js';
import { roomKeys, userIndexKey } from './keys.js';
import { Scripts } from './scripts.js';

/** A membership as the user index knows it: its room, session and join position. */
export interface Displaced {
  roomID: string;
  sessionID: string;
  joinPos: number;
}

const flag = (b: boolean): string => (b ? '1' : '0');
const maxRooms = (req: JoinRequest): number => req.maxRoomsPerUser ?? Defaults.maxRoomsPerUser;

export class UserIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly nodeID: string,
  ) {}

  /**
   * Step two of a join: the user index records the membership and names the ones it displaces
   * (kick-old), or 'refused' when reject-new finds a real one (a login that raced ours).
   */
  async record(req: JoinRequest, joinPos: number): Promise<Displaced[] | 'refused' | 'toomany'> {
    const key = userIndexKey(this.prefix, req.room.appID, req.user.userID);
    for (let attempt = 0; ; attempt++) {
      const reply = asArray(
        await Scripts.indexJoin.run(
          this.redis,
          [key],
          [
            req.room.roomID,
            req.sessionID,
            flag(req.multi),
            String(joinPos),
            this.nodeID,
            req.duplicateLogin,
            String(maxRooms(req)),
          ],
        ),
        'index join',
      );
      const status = asString(reply[0], 'index status');
      if (status === 'displaced') return [];
      if (status === 'toomany') return 'toomany';
      const displaced = asArray(reply[1], 'index conflicts').map((c) => {
        const [roomID, sessionID, pos] = asArray(c, 'index conflict');
        return {
          roomID: asString(roomID, 'index room'),
          sessionID: asString(sessionID, 'index session'),
          joinPos: asInt(pos, 'index join position'),
        };
      });
      if (status === 'ok') return displaced;
      // reject-new: a real membership elsewhere wins; forgotten ones are pruned and we retry.
      if (await this.anyStillMember(req, displaced)) return 'refused';
      if (attempt >= 2) return 'refused';
    }
  }

  /**
   * Before joining, so a refusal changes nothing in the room: would the user be in more rooms
   * than allowed? (record() decides a race of two logins that both pass.) The hash holds at most
   * that many rooms.
   */
  async tooManyRooms(req: JoinRequest): Promise<boolean> {
    const key = userIndexKey(this.prefix, req.room.appID, req.user.userID);
    const entries = Object.entries(await this.redis.hgetall(key));
    let kept = 0;
    for (const [roomID, raw] of entries) {
      const e = JSON.parse(raw) as { s: string; m: number };
      const displaced = e.s !== req.sessionID && (!req.multi || e.m === 0);
      if (roomID !== req.room.roomID && !displaced) kept++;
    }
    return kept >= maxRooms(req);
  }

  /** reject-new, before joining: does the user hold a membership this login would displace? */
  async loggedInElsewhere(req: JoinRequest): Promise<boolean> {
    const key = userIndexKey(this.prefix, req.room.appID, req.user.userID);
    const entries = asArray(await this.redis.hgetall(key).then((h) => Object.entries(h)), 'index');
    const others: Displaced[] = [];
    for (const item of entries) {
      const [roomID, raw] = asArray(item, 'index entry');
      const id = asString(roomID, 'index room');
      const e = JSON.parse(asString(raw, 'index entry')) as { s: string; m: number; p: number };
      if (id !== req.room.roomID && e.s !== req.sessionID && (!req.multi || e.m === 0)) {
        others.push({ roomID: id, sessionID: e.s, joinPos: e.p });
      }
    }
    return this.anyStillMember(req, others);
  }

  /** Checks index entries against the rooms themselves; prunes those that are gone. */
  private async anyStillMember(req: JoinRequest, entries: Displaced[]): Promise<boolean> {
    let found = false;
    for (const e of entries) {
      const ref = { appID: req.room.appID, roomID: e.roomID };
      const raw = await this.redis.hget(roomKeys(this.prefix, ref).members, req.user.userID);
      const member = raw === null ? undefined : (JSON.parse(raw) as { s?: unknown; p?: unknown });
      if (member?.s === e.sessionID && member.p === e.joinPos) found = true;
      else await this.forget(ref, req.user.userID, e.sessionID, e.joinPos);
    }
    return found;
  }

  async forget(ref: RoomRef, userID: string, sessionID: string, joinPos: number): Promise<void> {
    await Scripts.indexLeave.run(
      this.redis,
      [userIndexKey(this.prefix, ref.appID, userID)],
      [ref.roomID, sessionID, String(joinPos)],
    );
  }
}
