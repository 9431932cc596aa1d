/**
 * The Lua scripts of `RedisPresenceStore`, one per store method: Redis runs each script alone,
 * so every method is atomic across all the nodes sharing the Redis. `ARGV[1]` is the key prefix;
 * the scripts derive every key from it and from the names they are given, so a name is sent as it
 * is and never has to fit a key's syntax.
 *
 * Keys (P is the prefix; `L(x)` is x preceded by its length in bytes and `:`, which makes a key
 * built of several names unambiguous whatever characters the names hold):
 *
 * - `P c:L(subKey)channel`: sorted set of the uuids present, all with score 0, so that its rank
 *   order is byte order (code point order: UTF-8 keeps it) and a here-now page is a ZRANGE by
 *   rank; its ZCARD is the occupancy.
 * - `P w:L(subKey)uuid`: sorted set (score 0) of the channels the uuid is present on.
 * - `P s:L(subKey)uuid`: hash of the uuid's states, channel → state JSON.
 * - `P t:L(subKey)uuid`: hash of the timeout (ms) last given to the uuid on each channel it is
 *   present on, channel → timeout; a field goes with its presence (leave, expire).
 * - `P expiry`: sorted set of every presence, `L(subKey)L(channel)uuid` → expiry (ms).
 * - `P claims`: sorted set of the timed-out presences handed out by `expire` and not yet settled
 *   by `announced`, same members → the end of their lease (ms). A join of the member's uuid on
 *   its channel removes it; it holds no more members than presences that expired.
 * - `P keep`: sorted set of states kept for channels their uuid is not present on, same members
 *   → `keepUntil` (ms).
 * - `P busy`: set of the channels in interval mode, `L(subKey)channel`.
 * - `P d:L(subKey)channel`: list of a busy channel's changes since its last interval, each the
 *   kind's first letter (`j`, `l`, `t`) then the uuid.
 * - `P i:L(subKey)channel`: hash of a busy channel's `last` claim (ms) and `overflow` flag.
 *
 * The scripts reach keys they compute, so they need a single Redis (or a primary with replicas),
 * not Redis Cluster.
 */

const PRELUDE = String.raw`
local P = ARGV[1]
local EXPIRY = P .. 'expiry'
local KEEP = P .. 'keep'
local CLAIMS = P .. 'claims'
local BUSY = P .. 'busy'
local function L(text) return #text .. ':' .. text end
local function channelKey(sub, channel) return P .. 'c:' .. L(sub) .. channel end
local function whereKey(sub, uuid) return P .. 'w:' .. L(sub) .. uuid end
local function stateKey(sub, uuid) return P .. 's:' .. L(sub) .. uuid end
local function timeoutKey(sub, uuid) return P .. 't:' .. L(sub) .. uuid end
local function deltaKey(sub, channel) return P .. 'd:' .. L(sub) .. channel end
local function intervalKey(sub, channel) return P .. 'i:' .. L(sub) .. channel end
local function presenceMember(sub, channel, uuid) return L(sub) .. L(channel) .. uuid end
-- The text of an L(text) at the start of s, and what follows it.
local function cut(s)
  local colon = string.find(s, ':', 1, true)
  local length = tonumber(string.sub(s, 1, colon - 1))
  return string.sub(s, colon + 1, colon + length), string.sub(s, colon + length + 1)
end
`;

const script = (body: string): string => `${PRELUDE}${body}`;

/**
 * ARGV: prefix, subKey, uuid, now (ms), timeoutMs (`''` for none: the remembered one),
 * defaultTimeoutMs, n, n channels, m, m pairs of channel and state JSON.
 * Returns `{joined, stateChanged}`, each a flat list of channel and occupancy.
 */
export const HEARTBEAT = script(String.raw`
local sub, uuid, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local given, default = tonumber(ARGV[5]), tonumber(ARGV[6])
local n = tonumber(ARGV[7])
local m = tonumber(ARGV[8 + n])
local states = {}
for i = 0, m - 1 do states[ARGV[9 + n + 2 * i]] = ARGV[10 + n + 2 * i] end
local joined, changed = {}, {}
local sk, tk = stateKey(sub, uuid), timeoutKey(sub, uuid)
for i = 1, n do
  local channel = ARGV[7 + i]
  local key = channelKey(sub, channel)
  local member = presenceMember(sub, channel, uuid)
  local isNew = redis.call('ZADD', key, 0, uuid) == 1
  local timeout = given
  if not timeout and not isNew then timeout = tonumber(redis.call('HGET', tk, channel)) end
  timeout = timeout or default
  redis.call('HSET', tk, channel, string.format('%d', timeout))
  redis.call('ZADD', EXPIRY, string.format('%d', now + timeout), member)
  -- A state kept before the uuid joined now lasts as long as the presence.
  redis.call('ZREM', KEEP, member)
  local occupancy = redis.call('ZCARD', key)
  if isNew then
    -- A timeout not yet announced is overtaken by this join.
    redis.call('ZREM', CLAIMS, member)
    redis.call('ZADD', whereKey(sub, uuid), 0, channel)
    table.insert(joined, channel)
    table.insert(joined, occupancy)
  end
  local json = states[channel]
  if json then
    local old = redis.call('HGET', sk, channel)
    local differs = false
    if json == '{}' then
      differs = old ~= false
      redis.call('HDEL', sk, channel)
    elseif old ~= json then
      differs = true
      redis.call('HSET', sk, channel, json)
    end
    if differs then
      table.insert(changed, channel)
      table.insert(changed, occupancy)
    end
  end
end
return {joined, changed}
`);

/** ARGV: prefix, subKey, uuid, channels. Returns a flat list of channel and occupancy for those it was present on. */
export const LEAVE = script(String.raw`
local sub, uuid = ARGV[2], ARGV[3]
local sk = stateKey(sub, uuid)
local left = {}
for i = 4, #ARGV do
  local channel = ARGV[i]
  local key = channelKey(sub, channel)
  local member = presenceMember(sub, channel, uuid)
  redis.call('HDEL', sk, channel)
  redis.call('ZREM', KEEP, member)
  if redis.call('ZREM', key, uuid) == 1 then
    redis.call('ZREM', EXPIRY, member)
    redis.call('ZREM', whereKey(sub, uuid), channel)
    redis.call('HDEL', timeoutKey(sub, uuid), channel)
    table.insert(left, channel)
    table.insert(left, redis.call('ZCARD', key))
  end
end
return left
`);

/**
 * ARGV: prefix, now, limit, leaseMs (integers). Hands out at most `limit` timeouts: first the
 * claims whose lease ended at `now` (dropping those whose uuid is present again), then presences
 * expired at `now`, oldest first, which it removes; each is leased (`P claims`) until
 * `now + leaseMs`. Returns a flat list of subKey, channel, uuid, occupancy and lease end.
 */
export const EXPIRE = script(String.raw`
local now, limit = ARGV[2], tonumber(ARGV[3])
local deadline = string.format('%d', tonumber(now) + tonumber(ARGV[4]))
local expired = {}
local count = 0
local function hand(member, sub, channel, uuid, key)
  redis.call('ZADD', CLAIMS, deadline, member)
  table.insert(expired, sub)
  table.insert(expired, channel)
  table.insert(expired, uuid)
  table.insert(expired, redis.call('ZCARD', key))
  table.insert(expired, deadline)
  count = count + 1
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', CLAIMS, '-inf', now, 'LIMIT', 0, limit)) do
  local sub, rest = cut(member)
  local channel, uuid = cut(rest)
  local key = channelKey(sub, channel)
  -- A join removes its claim; the check is for safety only.
  if redis.call('ZSCORE', key, uuid) == false then hand(member, sub, channel, uuid, key) else redis.call('ZREM', CLAIMS, member) end
end
if count < limit then
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', EXPIRY, '-inf', now, 'LIMIT', 0, limit - count)) do
    redis.call('ZREM', EXPIRY, member)
    local sub, rest = cut(member)
    local channel, uuid = cut(rest)
    local key = channelKey(sub, channel)
    redis.call('ZREM', key, uuid)
    redis.call('ZREM', whereKey(sub, uuid), channel)
    redis.call('HDEL', stateKey(sub, uuid), channel)
    redis.call('HDEL', timeoutKey(sub, uuid), channel)
    hand(member, sub, channel, uuid, key)
  end
end
return expired
`);

/**
 * ARGV: prefix, then subKey, channel, uuid and lease end (ms) of each claim to settle. A claim is
 * settled only while its lease is still that one (not handed out again since); unknown claims
 * are ignored.
 */
export const ANNOUNCED = script(String.raw`
for i = 2, #ARGV, 4 do
  local member = presenceMember(ARGV[i], ARGV[i + 1], ARGV[i + 2])
  local lease = redis.call('ZSCORE', CLAIMS, member)
  if lease and tonumber(lease) == tonumber(ARGV[i + 3]) then redis.call('ZREM', CLAIMS, member) end
end
return 1
`);

/**
 * ARGV: prefix, now, limit. Forgets at most `limit` kept states whose `keepUntil` is at or before
 * `now`, earliest first. Returns how many left `P keep`.
 */
export const FORGET_STATES = script(String.raw`
local members = redis.call('ZRANGEBYSCORE', KEEP, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(members) do
  redis.call('ZREM', KEEP, member)
  local sub, rest = cut(member)
  local channel, uuid = cut(rest)
  -- Every path that makes the uuid present takes it out of KEEP; the check is for safety only.
  if redis.call('ZSCORE', channelKey(sub, channel), uuid) == false then redis.call('HDEL', stateKey(sub, uuid), channel) end
end
return #members
`);

/** ARGV: prefix, subKey, channels. Returns each channel's occupancy, in order. */
export const OCCUPANCY = script(String.raw`
local counts = {}
for i = 3, #ARGV do table.insert(counts, redis.call('ZCARD', channelKey(ARGV[2], ARGV[i]))) end
return counts
`);

/**
 * ARGV: prefix, subKey, channel, offset, limit (at least 1), withState (`1` or `0`). Returns a
 * flat list of uuid and state JSON (`''` where none or not asked for: a state is never empty text).
 */
export const PRESENT = script(String.raw`
local sub, channel = ARGV[2], ARGV[3]
local offset, limit, withState = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6] == '1'
local page = {}
for _, uuid in ipairs(redis.call('ZRANGE', channelKey(sub, channel), offset, offset + limit - 1)) do
  table.insert(page, uuid)
  table.insert(page, withState and redis.call('HGET', stateKey(sub, uuid), channel) or '')
end
return page
`);

/** ARGV: prefix, subKey, uuid. Returns the channels in byte (code point) order. */
export const WHERE_NOW = script(String.raw`
return redis.call('ZRANGE', whereKey(ARGV[2], ARGV[3]), 0, -1)
`);

/**
 * ARGV: prefix, subKey, uuid, state JSON (`{}` clears), keepUntil, channels. Returns a flat list
 * of channel and occupancy where the state changed and the uuid is present.
 */
export const SET_STATE = script(String.raw`
local sub, uuid, json, keepUntil = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local sk = stateKey(sub, uuid)
local changed = {}
for i = 6, #ARGV do
  local channel = ARGV[i]
  local key = channelKey(sub, channel)
  local member = presenceMember(sub, channel, uuid)
  local old = redis.call('HGET', sk, channel)
  local present = redis.call('ZSCORE', key, uuid) ~= false
  local differs
  if json == '{}' then
    differs = old ~= false
    redis.call('HDEL', sk, channel)
    redis.call('ZREM', KEEP, member)
  else
    differs = old ~= json
    redis.call('HSET', sk, channel, json)
    if present then redis.call('ZREM', KEEP, member) else redis.call('ZADD', KEEP, keepUntil, member) end
  end
  if differs and present then
    table.insert(changed, channel)
    table.insert(changed, redis.call('ZCARD', key))
  end
end
return changed
`);

/** ARGV: prefix, subKey, uuid, channels. Returns each channel's state JSON, in order (`''` where none). */
export const GET_STATE = script(String.raw`
local states = {}
local sk = stateKey(ARGV[2], ARGV[3])
for i = 4, #ARGV do table.insert(states, redis.call('HGET', sk, ARGV[i]) or '') end
return states
`);

/** ARGV: prefix, subKey, channel. */
export const MARK_BUSY = script(String.raw`
redis.call('SADD', BUSY, L(ARGV[2]) .. ARGV[3])
return 1
`);

/** ARGV: prefix. Returns a flat list of subKey and channel. */
export const BUSY_CHANNELS = script(String.raw`
local busy = {}
for _, member in ipairs(redis.call('SMEMBERS', BUSY)) do
  local sub, channel = cut(member)
  table.insert(busy, sub)
  table.insert(busy, channel)
end
return busy
`);

/** ARGV: prefix, subKey, channel, kind letter, uuid, maxDeltas. Marks the channel busy too. */
export const NOTE_DELTA = script(String.raw`
local sub, channel = ARGV[2], ARGV[3]
redis.call('SADD', BUSY, L(sub) .. channel)
local key = deltaKey(sub, channel)
if redis.call('LLEN', key) < tonumber(ARGV[6]) then
  redis.call('RPUSH', key, ARGV[4] .. ARGV[5])
else
  redis.call('HSET', intervalKey(sub, channel), 'overflow', '1')
end
return 1
`);

/**
 * ARGV: prefix, subKey, channel, now, everyMs, quiet. Returns nil when not due (or not busy),
 * else `{occupancy, deltas, overflow (1 or 0)}`; a channel at `quiet` or fewer leaves interval mode.
 */
export const INTERVAL = script(String.raw`
local sub, channel = ARGV[2], ARGV[3]
local now, everyMs, quiet = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local busyMember = L(sub) .. channel
if redis.call('SISMEMBER', BUSY, busyMember) == 0 then return false end
local ik, dk = intervalKey(sub, channel), deltaKey(sub, channel)
local last = redis.call('HGET', ik, 'last')
if last and now - tonumber(last) < everyMs then return false end
local occupancy = redis.call('ZCARD', channelKey(sub, channel))
local deltas = redis.call('LRANGE', dk, 0, -1)
local overflow = redis.call('HGET', ik, 'overflow') and 1 or 0
redis.call('DEL', dk)
if occupancy <= quiet then
  redis.call('SREM', BUSY, busyMember)
  redis.call('DEL', ik)
else
  redis.call('HSET', ik, 'last', ARGV[4])
  redis.call('HDEL', ik, 'overflow')
end
return {occupancy, deltas, overflow}
`);
