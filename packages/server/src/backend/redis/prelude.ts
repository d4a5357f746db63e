// The shared beginnings of the room scripts (scripts.ts): the room's keys and arguments by
// name, its named constants, and the helpers every room script uses (JSON building, kicks,
// sequencing, the log and the webhook queue). See scripts.ts for the layout of KEYS and ARGV.

/** A room's kicks are pruned of expired ones once it holds this many… */
const KICKS_PRUNE_FROM = 256;
/** …by a scan every this many kicks (a mass kick costs linear time, not quadratic). */
const KICKS_PRUNE_EVERY = 64;
/** A webhook queue nobody drains any more (webhooks turned off on every node) goes after a week. */
const HOOKS_IDLE_MS = 7 * 24 * 3_600_000;
/** A room's lifetime ID ends with this many digits of its base position. */
const LIFE_BASE_DIGITS = 6;
/**
 * The meta hash's field counting one user's streams in the room is this prefix and the userID
 * (no other meta field has a ':'): the per-member stream quota without reading the streams hash.
 */
const STREAMS_OF_FIELD = 'sc:';

export const ROOM_PRELUDE = `
local KICKS_PRUNE_FROM, KICKS_PRUNE_EVERY = ${KICKS_PRUNE_FROM}, ${KICKS_PRUNE_EVERY}
local HOOKS_IDLE_MS = ${HOOKS_IDLE_MS}
local LIFE_BASE_DIGITS = ${LIFE_BASE_DIGITS}
local STREAMS_OF_FIELD = '${STREAMS_OF_FIELD}'
local MS_PER_S, US_PER_MS = 1000, 1000
local META, MEMBERS, STREAMS, EXTRA, LOG, GONE = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local KICKS, HOOKS = KEYS[7], KEYS[8]
local CHANNEL, MAXLEN, TOMBSTONE_MS = ARGV[1], ARGV[2], ARGV[3]
-- Every room script gets, last, the webhook queue's bound ('0': webhooks are off).
local HOOKS_MAX = tonumber(ARGV[#ARGV]) or 0

local function str(s) return cjson.encode(s) end
local function userJSON(id, name)
  return '{"userID":' .. str(id) .. ',"userName":' .. str(name) .. '}'
end
local function streamJSON(id, s)
  return '{"streamID":' .. str(id) .. ',"user":' .. userJSON(s.u, s.n) .. ',"extraInfo":' .. str(s.x) .. '}'
end
local function kickJSON(sessionID, userID, joinSeq, code, ext)
  return '{"sessionID":' .. str(sessionID) .. ',"userID":' .. str(userID) .. ',"joinSeq":' .. joinSeq
    .. ',"code":' .. code .. ',"ext":' .. str(ext) .. '}'
end

-- Redis's clock, so every node reads kick ages alike.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * MS_PER_S + math.floor(tonumber(t[2]) / US_PER_MS)
end

-- A kick of a session, kept keepMs for its resume elsewhere. Old ones are pruned once there are
-- many, by a scan every KICKS_PRUNE_EVERY-th kick (each is also checked for age when read), so a
-- room's kicks stay bounded by time.
local function noteKick(sessionID, code, ext, keepMs)
  local now = nowMs()
  local n = redis.call('HLEN', KICKS)
  if n >= KICKS_PRUNE_FROM and n % KICKS_PRUNE_EVERY == 0 then
    local all = redis.call('HGETALL', KICKS)
    for i = 1, #all, 2 do
      if cjson.decode(all[i + 1]).t + keepMs < now then redis.call('HDEL', KICKS, all[i]) end
    end
  end
  redis.call('HSET', KICKS, sessionID, '{"c":' .. code .. ',"x":' .. str(ext) .. ',"t":' .. now .. '}')
  redis.call('PEXPIRE', KICKS, keepMs)
end

local function nextSeq() return redis.call('HINCRBY', META, 'seq', 1) end

-- The user's stream count, kept beside the streams hash in the same step as every change to it.
-- A count gone to 0 (or below: streams listed before counts were kept) is dropped.
local function streamsOf(userID) return tonumber(redis.call('HGET', META, STREAMS_OF_FIELD .. userID)) or 0 end
local function streamAdded(userID) redis.call('HINCRBY', META, STREAMS_OF_FIELD .. userID, 1) end
local function streamRemoved(userID)
  if redis.call('HINCRBY', META, STREAMS_OF_FIELD .. userID, -1) <= 0 then
    redis.call('HDEL', META, STREAMS_OF_FIELD .. userID)
  end
end

local BASE = nil
local LAST_POS = 0
local function position(seq)
  if not BASE then BASE = tonumber(redis.call('HGET', META, 'base')) or 0 end
  return BASE + seq
end

-- The room's lifetime ID (webhooks' room_seq): digits, set when the room is created.
local function life()
  return redis.call('HGET', META, 'life') or tostring(position(1))
end

-- hook: nil for an event webhooks ignore, else what the webhook entry adds to the event's message
-- ('' or ',"o":…'): the entry is the message with the room's life and Redis's time, queued in
-- the room's webhook queue in the same step as the change (dropped, and counted, when full).
local function record(seq, event, kick, note, hook)
  local count = redis.call('HLEN', MEMBERS)
  local p = position(seq)
  local fields = {'v', event, 'c', count, 'p', p}
  local msg = '{"s":' .. seq .. ',"p":' .. p .. ',"c":' .. count .. ',"v":' .. event
  if kick then
    fields[#fields + 1] = 'k'
    fields[#fields + 1] = kick
    msg = msg .. ',"k":' .. kick
  end
  if note then
    fields[#fields + 1] = 'm'
    fields[#fields + 1] = note
    msg = msg .. ',"m":' .. note
  end
  redis.call('XADD', LOG, 'MAXLEN', MAXLEN, seq .. '-0', unpack(fields))
  redis.call('SPUBLISH', CHANNEL, msg .. '}')
  if hook and HOOKS_MAX > 0 then
    if redis.call('LLEN', HOOKS) < HOOKS_MAX then
      redis.call('RPUSH', HOOKS, msg .. ',"l":' .. str(life()) .. ',"w":' .. nowMs() .. hook .. '}')
      -- A list nobody drains any more (webhooks turned off on every node) goes in the end.
      redis.call('PEXPIRE', HOOKS, HOOKS_IDLE_MS)
    else
      redis.call('HINCRBY', META, 'hdrop', 1)
    end
  end
  LAST_POS = p
  return seq
end
local function append(event, kick, note, hook) return record(nextSeq(), event, kick, note, hook) end

-- Every hash read whole here is bounded: members by the room's capacity (maxRoomMembers, checked
-- by JOIN), streams by the per-room stream quota (PUBLISH_STREAM), extra info by its key limit.
local function snapshot(withMembers)
  local meta = redis.call('HMGET', META, 'seq', 'max')
  local members = {}
  if withMembers then members = redis.call('HGETALL', MEMBERS) end
  return {meta[1], meta[2], redis.call('HLEN', MEMBERS), members,
    redis.call('HGETALL', STREAMS), redis.call('HGETALL', EXTRA)}
end

-- unpub for each of the member's streams (publish order), each with why they went, then leave;
-- the kick rides on the first.
-- The streams hash is read whole here, and in snapshot(): it is bounded by the per-room stream
-- quota (PUBLISH_STREAM), as the members hash read by snapshot() is by the room's capacity.
local function removeMember(userID, m, kick, cause, kickCode, why, destroyIfEmpty)
  local owned = {}
  local all = redis.call('HGETALL', STREAMS)
  for i = 1, #all, 2 do
    local s = cjson.decode(all[i + 1])
    if s.u == userID then owned[#owned + 1] = {id = all[i], s = s} end
  end
  table.sort(owned, function(a, b) return a.s.o < b.s.o end)
  for _, o in ipairs(owned) do
    redis.call('HDEL', STREAMS, o.id)
    streamRemoved(userID)
    append('{"k":"unpub","stream":' .. streamJSON(o.id, o.s) .. ',"why":' .. why .. '}', kick, nil, ',"o":' .. o.s.o)
    kick = nil
  end
  redis.call('HDEL', MEMBERS, userID)
  local destroyed = destroyIfEmpty and redis.call('HLEN', MEMBERS) == 0
  -- A room that ends with streams of others still listed (published by the business backend)
  -- closes them too: webhooks need them.
  local hook = ''
  if destroyed then
    local left = {}
    local rest = redis.call('HGETALL', STREAMS)
    for i = 1, #rest, 2 do
      local s = cjson.decode(rest[i + 1])
      left[#left + 1] = '{"stream":' .. streamJSON(rest[i], s) .. ',"o":' .. s.o .. '}'
    end
    if #left > 0 then hook = ',"x":[' .. table.concat(left, ',') .. ']' end
  end
  local note = '{"sessionID":' .. str(m.s) .. ',"joinedAtMs":' .. m.t .. ',"cause":' .. str(cause)
  if kickCode then note = note .. ',"kickCode":' .. kickCode end
  note = note .. ',"destroyed":' .. tostring(destroyed) .. '}'
  local seq = append('{"k":"leave","user":' .. userJSON(userID, m.n) .. '}', kick, note, hook)
  if destroyed then
    redis.call('DEL', META, MEMBERS, STREAMS, EXTRA, LOG)
    redis.call('SET', GONE, LAST_POS, 'PX', TOMBSTONE_MS)
  end
  return destroyed, seq
end
`;

export const ACTOR_PRELUDE = `
local USER_ID, SESSION_ID, AS_SERVER = ARGV[4], ARGV[5], ARGV[6] == '1'
-- The member acting, or the business backend standing in for USER_ID (the room must exist).
local function actor()
  if AS_SERVER then
    if redis.call('EXISTS', META) == 0 then return nil end
    local name = ARGV[7]
    if name == '' then name = USER_ID end
    return {n = name, s = ''}
  end
  local raw = redis.call('HGET', MEMBERS, USER_ID)
  if not raw then return nil end
  local m = cjson.decode(raw)
  if m.s ~= SESSION_ID then return nil end
  return m
end
local m = actor()
if not m then return {'notmember'} end
`;
