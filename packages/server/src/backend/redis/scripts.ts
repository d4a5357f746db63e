// The Lua scripts of the Redis backend. Each room change is one script over the room's keys
// (one slot): check, mutate, bump `seq`, append the event to the log (entry `<seq>-0`, trimmed to
// MAXLEN) and SPUBLISH it on the room's shard channel — so every room has one total order,
// whichever node wrote. Events are JSON built here by concatenation (cjson would turn an empty
// array into an object and print big numbers in exponent form); numbers that come from the
// node arrive already written as JSON numbers.
//
// Room scripts: KEYS = meta, members, streams, extra, log, gone, kicks (see keys.ts);
// ARGV[1] = channel, ARGV[2] = MAXLEN, ARGV[3] = tombstone ms, then the script's own.
// Actor scripts continue with ARGV[4] = userID, [5] = sessionID, [6] = '1' when the business
// backend acts (asServer), [7] = its userName, then their own from ARGV[8].
//
// A log entry / channel message carries `v` (the event), `c` (member count after it), `p` (its
// position: `base + seq`, where a room's `base` is the last position of the room of the same
// name destroyed before it — so positions keep growing across re-creations while `seq` starts
// at 1 again), and optionally `k` (a kick of a member, delivered just before the event: the first
// event of its removal) and `m` (the membership note of a join or leave). A barrage is
// `{"b": msg}`, unlogged. Scripts that wait for delivery return the position of their last event.

import { createHash } from 'node:crypto';
import type { RedisClient } from './keys.js';
import { ACTOR_PRELUDE, ROOM_PRELUDE } from './prelude.js';

// ARGV[4..17]: userID, userName, sessionID, multi 0|1, userUpdate 0|1, maxMemberCount, policy,
// withMembers 0|1, nowMs, nodeID, duplicate-login kick code, how long kicks are kept, why the
// kicked session's streams go, the server's cap on members. The members hash that snapshot()
// reads whole is bounded by that cap (and the streams hash by the stream quota).
const JOIN = `${ROOM_PRELUDE}
local userID, userName, sessionID = ARGV[4], ARGV[5], ARGV[6]
local multi, userUpdate, maxCount, policy = ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local withMembers, nowMs, node, dupCode = ARGV[11] == '1', ARGV[12], ARGV[13], ARGV[14]
local raw = redis.call('HGET', MEMBERS, userID)
local old = nil
if raw then old = cjson.decode(raw) end
if old and old.s == sessionID then return {'already'} end
if old and policy == 'reject-new' then return {'elsewhere'} end
local created = redis.call('EXISTS', META) == 0
if created then
  local base = redis.call('GET', GONE) or '0'
  -- The lifetime ID: creation time, then the base (which grows with each lifetime of the name).
  local lifeID = nowMs .. string.format('%0' .. LIFE_BASE_DIGITS .. 'd', tonumber(base) % 10 ^ LIFE_BASE_DIGITS)
  redis.call('HSET', META, 'seq', '0', 'base', base, 'max', maxCount, 'bseq', '0', 'life', lifeID)
  redis.call('DEL', GONE)
else
  local cap = tonumber(ARGV[17])
  local max = tonumber(redis.call('HGET', META, 'max')) or 0
  if max <= 0 or max > cap then max = cap end
  local n = redis.call('HLEN', MEMBERS)
  if old then n = n - 1 end
  if n >= max then return {'full'} end
end
local kicked = {'', 0}
if old then
  removeMember(userID, old, kickJSON(old.s, userID, old.j, dupCode, ''), 'kick', dupCode, ARGV[16], false)
  noteKick(old.s, dupCode, '', tonumber(ARGV[15]))
  kicked = {old.s, old.j}
end
local seq = nextSeq()
redis.call('HSET', MEMBERS, userID, '{"n":' .. str(userName) .. ',"s":' .. str(sessionID) .. ',"m":' .. multi
  .. ',"u":' .. userUpdate .. ',"j":' .. seq .. ',"p":' .. position(seq) .. ',"t":"' .. nowMs .. '","node":'
  .. str(node) .. '}')
local note = '{"sessionID":' .. str(sessionID) .. ',"joinedAtMs":' .. nowMs .. ',"created":' .. tostring(created) .. '}'
record(seq, '{"k":"join","user":' .. userJSON(userID, userName) .. '}', nil, note, '')
local createdFlag = 0
if created then createdFlag = 1 end
return {'ok', createdFlag, kicked[1], kicked[2], snapshot(withMembers), LAST_POS}
`;

// ARGV[4]: maxMemberCount. The business backend's override of an existing room's capacity.
const SET_CAPACITY = `${ROOM_PRELUDE}
if redis.call('EXISTS', META) == 0 then return {'notmember'} end
redis.call('HSET', META, 'max', ARGV[4])
return {'ok'}
`;

// ARGV[4..10]: userID, sessionID ('' = any), join position ('0' = any), kick code ('' = no kick),
// kick ext, cause of a plain leave, how long kicks are kept, why its streams go. Returns {removed, destroyed, sessionID, join position, position}.
const REMOVE = `${ROOM_PRELUDE}
local userID, sessionID, joinPos = ARGV[4], ARGV[5], tonumber(ARGV[6])
local raw = redis.call('HGET', MEMBERS, userID)
if not raw then return {0} end
local m = cjson.decode(raw)
if (sessionID ~= '' and m.s ~= sessionID) or (joinPos ~= 0 and m.p ~= joinPos) then return {0} end
local kick, cause, kickCode = nil, ARGV[9], nil
if ARGV[7] ~= '' then
  kick = kickJSON(m.s, userID, m.j, ARGV[7], ARGV[8])
  cause = 'kick'
  kickCode = ARGV[7]
  noteKick(m.s, kickCode, ARGV[8], tonumber(ARGV[10]))
end
local destroyed = removeMember(userID, m, kick, cause, kickCode, ARGV[11], true)
local destroyedFlag = 0
if destroyed then destroyedFlag = 1 end
return {1, destroyedFlag, m.s, m.p, LAST_POS}
`;

// ARGV[8..11]: streamID, extraInfo, most streams per member, most streams per room. Counted
// without reading the streams hash: HLEN for the room, a counter in meta for the user.
const PUBLISH_STREAM = `${ROOM_PRELUDE}${ACTOR_PRELUDE}
local raw = redis.call('HGET', STREAMS, ARGV[8])
if raw then
  if cjson.decode(raw).u == USER_ID then return {'ok', 0, 0} end
  return {'input'}
end
if streamsOf(USER_ID) >= tonumber(ARGV[10]) or redis.call('HLEN', STREAMS) >= tonumber(ARGV[11]) then
  return {'toomanystreams'}
end
streamAdded(USER_ID)
local seq = nextSeq()
local s = {u = USER_ID, n = m.n, x = ARGV[9], o = seq}
redis.call('HSET', STREAMS, ARGV[8], cjson.encode(s))
record(seq, '{"k":"pub","stream":' .. streamJSON(ARGV[8], s) .. '}', nil, nil, '')
return {'ok', seq, LAST_POS}
`;

// ARGV[8..9]: streamID, why it goes. The business backend may stop anyone's stream.
const UNPUBLISH_STREAM = `${ROOM_PRELUDE}${ACTOR_PRELUDE}
local raw = redis.call('HGET', STREAMS, ARGV[8])
if not raw then return {'input'} end
local s = cjson.decode(raw)
if s.u ~= USER_ID and not AS_SERVER then return {'input'} end
redis.call('HDEL', STREAMS, ARGV[8])
streamRemoved(s.u)
local seq = append('{"k":"unpub","stream":' .. streamJSON(ARGV[8], s) .. ',"why":' .. ARGV[9] .. '}', nil, nil, ',"o":' .. s.o)
return {'ok', seq, LAST_POS}
`;

// ARGV[8..9]: streamID, extraInfo.
const STREAM_EXTRA = `${ROOM_PRELUDE}${ACTOR_PRELUDE}
local raw = redis.call('HGET', STREAMS, ARGV[8])
if not raw then return {'input'} end
local s = cjson.decode(raw)
if s.u ~= USER_ID then return {'input'} end
s.x = ARGV[9]
redis.call('HSET', STREAMS, ARGV[8], cjson.encode(s))
local seq = append('{"k":"sextra","stream":' .. streamJSON(ARGV[8], s) .. '}')
return {'ok', seq, LAST_POS}
`;

// ARGV[8..11]: key, value, maxKeys, nowMs. An existing key keeps its place in the list.
const ROOM_EXTRA = `${ROOM_PRELUDE}${ACTOR_PRELUDE}
local raw = redis.call('HGET', EXTRA, ARGV[8])
local order = nil
if raw then
  order = cjson.decode(raw).o
elseif redis.call('HLEN', EXTRA) >= tonumber(ARGV[10]) then
  return {'toomany'}
end
local seq = nextSeq()
if not order then order = seq end
redis.call('HSET', EXTRA, ARGV[8], cjson.encode({v = ARGV[9], u = USER_ID, n = m.n, t = ARGV[11], o = order}))
record(seq, '{"k":"extra","info":{"key":' .. str(ARGV[8]) .. ',"value":' .. str(ARGV[9])
  .. ',"updateUser":' .. userJSON(USER_ID, m.n) .. ',"updateTime":' .. ARGV[11] .. '}}')
return {'ok', seq, LAST_POS}
`;

// ARGV[8..9]: message, nowMs. messageID = seq.
const BROADCAST = `${ROOM_PRELUDE}${ACTOR_PRELUDE}
local seq = nextSeq()
record(seq, '{"k":"bcast","msg":{"fromUser":' .. userJSON(USER_ID, m.n) .. ',"message":'
  .. str(ARGV[8]) .. ',"sendTime":' .. ARGV[9] .. ',"messageID":' .. seq .. '}}')
return {'ok', seq, LAST_POS}
`;

// ARGV[8..9]: message, nowMs. Published only: no seq, no log.
const BARRAGE = `${ROOM_PRELUDE}${ACTOR_PRELUDE}
local id = redis.call('HINCRBY', META, 'bseq', 1)
redis.call('SPUBLISH', CHANNEL, '{"b":{"fromUser":' .. userJSON(USER_ID, m.n) .. ',"message":' .. str(ARGV[8])
  .. ',"sendTime":' .. ARGV[9] .. ',"messageID":' .. id .. '}}')
return {'ok', id, 0}
`;

// ARGV[8..10]: message, the target userIDs as a JSON array (empty: the whole room), the
// message's encoding ('' for text).
const COMMAND = `${ROOM_PRELUDE}${ACTOR_PRELUDE}
local enc = ''
if ARGV[10] ~= '' then enc = ',"enc":' .. str(ARGV[10]) end
local seq = append('{"k":"cmd","from":' .. userJSON(USER_ID, m.n) .. ',"msg":' .. str(ARGV[8])
  .. ',"to":' .. ARGV[9] .. enc .. '}')
return {'ok', seq, LAST_POS}
`;

// ARGV[4..7]: userID, sessionID, nodeID, how long kicks are kept. A resume on another node takes
// the membership over: {'held', member record} when the session still holds it (its record now
// names this node), {'kicked', kick} when it was kicked from the room within keepMs, {'gone'}.
const ADOPT = `${ROOM_PRELUDE}
local raw = redis.call('HGET', MEMBERS, ARGV[4])
if raw and cjson.decode(raw).s == ARGV[5] then
  -- The node is the record's last field, and a quote inside a JSON string is always escaped.
  local at = string.find(raw, ',"node":', 1, true)
  if at then
    raw = string.sub(raw, 1, at - 1) .. ',"node":' .. str(ARGV[6]) .. '}'
    redis.call('HSET', MEMBERS, ARGV[4], raw)
  end
  return {'held', raw}
end
local kick = redis.call('HGET', KICKS, ARGV[5])
if kick and cjson.decode(kick).t + tonumber(ARGV[7]) >= nowMs() then return {'kicked', kick} end
return {'gone'}
`;

// ARGV[4]: withMembers 0|1. Empty when the room does not exist.
const ROOM_STATE = `${ROOM_PRELUDE}
if redis.call('EXISTS', META) == 0 then return {} end
return snapshot(ARGV[4] == '1')
`;

// ARGV[4]: afterSeq. {'gone'} when the log no longer reaches back (or the room is gone).
const HISTORY = `${ROOM_PRELUDE}
local seq = redis.call('HGET', META, 'seq')
if not seq then return {'gone'} end
local after = tonumber(ARGV[4])
if after >= tonumber(seq) then return {'ok', {}} end
local entries = redis.call('XRANGE', LOG, '(' .. after .. '-0', '+')
local first = entries[1]
if not first or first[1] ~= (after + 1) .. '-0' then return {'gone'} end
return {'ok', entries}
`;

// ARGV[4]: a position. The log's entries after it, for a node that missed them (gap filling).
const SINCE = `${ROOM_PRELUDE}
local base = redis.call('HGET', META, 'base')
if not base then return {} end
local after = tonumber(ARGV[4]) - tonumber(base)
if after < 0 then after = 0 end
return redis.call('XRANGE', LOG, '(' .. after .. '-0', '+')
`;

// The user index (KEYS[1]). ARGV: roomID, sessionID, multi 0|1, join position, nodeID, policy,
// the most rooms per user. Records this membership and returns the ones it displaces (other
// rooms: either side single-room); under reject-new it records nothing when there are any.
// 'displaced': a later membership of this room is recorded already (ours was removed by it).
// 'toomany': the user would be in more rooms than allowed, across all its sessions (nothing
// recorded). The hash read whole holds at most that many rooms (and stale hints of a dead node's).
const INDEX_JOIN = `
local all = redis.call('HGETALL', KEYS[1])
local kept = 0
local roomID, sessionID, multi, joinPos = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local conflicts = {}
for i = 1, #all, 2 do
  local room, e = all[i], cjson.decode(all[i + 1])
  if room == roomID then
    if e.s ~= sessionID and e.p > joinPos then return {'displaced'} end
  elseif e.s ~= sessionID and (multi == '0' or e.m == 0) then
    conflicts[#conflicts + 1] = {room, e.s, e.p}
  else
    kept = kept + 1
  end
end
if kept >= tonumber(ARGV[7]) then return {'toomany'} end
if #conflicts > 0 and ARGV[6] == 'reject-new' then return {'conflict', conflicts} end
for _, c in ipairs(conflicts) do redis.call('HDEL', KEYS[1], c[1]) end
redis.call('HSET', KEYS[1], roomID, '{"s":' .. cjson.encode(sessionID) .. ',"m":' .. multi .. ',"p":' .. ARGV[4]
  .. ',"node":' .. cjson.encode(ARGV[5]) .. '}')
return {'ok', conflicts}
`;

// KEYS[1] = user index. ARGV: roomID, sessionID, join position: forgets exactly that membership.
const INDEX_LEAVE = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local e = cjson.decode(raw)
if e.s ~= ARGV[2] or e.p ~= tonumber(ARGV[3]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`;

/** A script run by EVALSHA, loaded by EVAL when Redis does not know it (first use, restart). */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

export const Scripts = {
  join: new LuaScript('join', JOIN),
  remove: new LuaScript('remove', REMOVE),
  setCapacity: new LuaScript('setCapacity', SET_CAPACITY),
  publishStream: new LuaScript('publishStream', PUBLISH_STREAM),
  unpublishStream: new LuaScript('unpublishStream', UNPUBLISH_STREAM),
  streamExtra: new LuaScript('streamExtra', STREAM_EXTRA),
  roomExtra: new LuaScript('roomExtra', ROOM_EXTRA),
  broadcast: new LuaScript('broadcast', BROADCAST),
  barrage: new LuaScript('barrage', BARRAGE),
  command: new LuaScript('command', COMMAND),
  adopt: new LuaScript('adopt', ADOPT),
  roomState: new LuaScript('roomState', ROOM_STATE),
  history: new LuaScript('history', HISTORY),
  since: new LuaScript('since', SINCE),
  indexJoin: new LuaScript('indexJoin', INDEX_JOIN),
  indexLeave: new LuaScript('indexLeave', INDEX_LEAVE),
} as const;
