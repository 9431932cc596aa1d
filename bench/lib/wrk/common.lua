-- Shared by the bench's wrk scripts (loaded with dofile): the settings they read from the
-- environment, a request split around its "{user}" placeholder, and the run's figures.
--
-- Environment (wrk hands it to every Lua state it makes):
--   WRK_METHOD  the request method (GET when unset)
--   WRK_BODY    the request body of a fixed request (none when unset)
--   WRK_PATH    the path of a varied request, with "{user}" where user-<n> goes
--   WRK_USERS   n is drawn at random in [0, WRK_USERS)
--   WRK_TAG     set-user.lua: written into each name, unique per wrk run

local common = {}

function common.setting(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then
    if default == nil then error(name .. " must be set") end
    return default
  end
  return value
end

-- The whole request (wrk's method, headers and Host, no body) cut where WRK_PATH says "{user}",
-- so that each request is the two halves around a new id: no per-request formatting. Call it from
-- init(): wrk adds the Host header just before.
function common.split_request()
  local request = wrk.format(wrk.method, common.setting("WRK_PATH"), nil, nil)
  local at = request:find("{user}", 1, true)
  if at == nil then error("WRK_PATH lacks {user}") end
  return request:sub(1, at - 1), request:sub(at + #"{user}")
end

function common.random_user_picker()
  local users = tonumber(common.setting("WRK_USERS"))
  if users == nil or users < 1 then error("WRK_USERS must be a count of users") end
  math.randomseed(os.time())
  return function()
    return "user-" .. math.random(0, users - 1)
  end
end

-- One line the bench parses: durations and latencies in µs, error counts by kind ("status" is
-- answers with a status above 399, wrk's "Non-2xx or 3xx responses").
function done(summary, latency)
  local errors = summary.errors
  io.write(string.format(
    'wrk-figures {"duration":%.0f,"requests":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"timeout":%.0f,"status":%.0f,"mean":%.3f,"p50":%.0f,"p99":%.0f}\n',
    summary.duration, summary.requests, errors.connect, errors.read, errors.write, errors.timeout, errors.status,
    latency.mean, latency:percentile(50), latency:percentile(99)))
end

return common
