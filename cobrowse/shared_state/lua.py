"""Lua scripts of the Redis shared state: each one step that must be atomic across nodes.

TTLs are in milliseconds (``PX``/``PEXPIRE``). Time for the throttle windows
comes from the Redis server (``TIME``), so node clocks may disagree.
"""

from __future__ import annotations

__all__ = [
    "ADD_VISITED",
    "CLAIM_CODE",
    "CLAIM_OWNER",
    "DROP_SESSION",
    "ENSURE_SEQ",
    "FAILED_JOIN",
    "ISSUE_TOKEN",
    "LOOKUP_CODE",
    "NEXT_SEQ",
    "PUT_PARTICIPANT",
    "RECORD_FRAME",
    "REMOVE_PARTICIPANT",
    "REVOKE_CODE",
    "SAVE_PAGE",
    "THROTTLED",
]

# KEYS: code, tombstone. ARGV: session id, ttl ms, ttl + tombstone ms.
CLAIM_CODE = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return 1
end
return 0
"""

# KEYS: code, tombstone. ARGV: keep ms, keep + tombstone ms.
# Returns the session id, or 'expired:' / 'unknown:' (ids never contain ':').
LOOKUP_CODE = """
local sid = redis.call('GET', KEYS[1])
if sid then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
  return sid
end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'expired:' end
return 'unknown:'
"""

# KEYS: code, tombstone. ARGV: session id, tombstone ms.
REVOKE_CODE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
  return 1
end
return 0
"""

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: client zset, global zset.
# ARGV: client window ms, per-client limit, global limit, global window ms.
THROTTLED = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 1 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 1 end
return 0
"""
)

# KEYS: client zset, global zset.
# ARGV: client window ms, per-client limit, global limit, unique member, global window ms.
# Only the newest `limit` entries matter, so each set is capped at its limit.
FAILED_JOIN = (
    _NOW
    + """
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 0
"""
)

# KEYS: participants hash. ARGV: participant id, record, limit (0 = none), ttl ms.
PUT_PARTICIPANT = """
local limit = tonumber(ARGV[3])
if limit > 0 and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0
   and redis.call('HLEN', KEYS[1]) >= limit then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""

# KEYS: participants hash, token index set. ARGV: participant id, token key prefix.
# Index members are "<participant id> <token digest>".
REMOVE_PARTICIPANT = """
redis.call('HDEL', KEYS[1], ARGV[1])
local mine = ARGV[1] .. ' '
for _, member in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if string.sub(member, 1, #mine) == mine then
    redis.call('DEL', ARGV[2] .. string.sub(member, #mine + 1))
    redis.call('SREM', KEYS[2], member)
  end
end
return 0
"""

# KEYS: token, token index set. ARGV: "<session id> <participant id>", index member, ttl ms.
ISSUE_TOKEN = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 0
"""  # noqa: S105 (a script, not a secret)

# KEYS: token index set, then every other key of the session. ARGV: token key prefix.
DROP_SESSION = """
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local space = string.find(member, ' ', 1, true)
  redis.call('DEL', ARGV[1] .. string.sub(member, space + 1))
end
redis.call('DEL', unpack(KEYS))
return 0
"""

# KEYS: seq. ARGV: ttl ms.
NEXT_SEQ = """
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n
"""

# KEYS: seq. ARGV: at least, ttl ms.
ENSURE_SEQ = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local want = tonumber(ARGV[1])
if want > n then n = want end
redis.call('SET', KEYS[1], n, 'PX', ARGV[2])
return n
"""

# KEYS: log zset, snapshot, floor, seq. ARGV: seq, member (8-byte seq + frame),
# snapshot 0/1, log limit, ttl ms. The log holds the ordered frames after the floor;
# the floor is the latest snapshot's seq, or higher once the log overflowed.
RECORD_FRAME = """
local seq = tonumber(ARGV[1])
local floor = tonumber(redis.call('GET', KEYS[3]) or '0')
if seq <= floor then return 0 end
if seq > tonumber(redis.call('GET', KEYS[4]) or '0') then
  redis.call('SET', KEYS[4], seq, 'PX', ARGV[5])
end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', seq)
  floor = seq
else
  redis.call('ZADD', KEYS[1], seq, ARGV[2])
  local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
  if excess > 0 then
    local cut = redis.call('ZRANGE', KEYS[1], excess - 1, excess - 1, 'WITHSCORES')
    floor = tonumber(cut[2])
    redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
  end
end
redis.call('SET', KEYS[3], floor, 'PX', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""

# KEYS: visited list. ARGV: url, entry (JSON), limit, ttl ms.
ADD_VISITED = """
local last = redis.call('LINDEX', KEYS[1], -1)
if last and cjson.decode(last)['url'] == ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""

# KEYS: meta hash. ARGV: new owner, expected owner.
CLAIM_OWNER = """
local current = redis.call('HGET', KEYS[1], 'owner')
if not current or current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
return 1
"""

# KEYS: meta hash, page. ARGV: owner, record, ttl ms.
SAVE_PAGE = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
"""
