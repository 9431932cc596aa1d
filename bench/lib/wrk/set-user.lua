-- WRK_METHOD (PATCH) of WRK_PATH, its "{user}" a user-<n> drawn at random below WRK_USERS, with a
-- JSON body that changes every request: a counter in the name and in custom (and WRK_TAG in the
-- name, unique per run), so every write is a real change and none repeats an earlier run's.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")

wrk.method = common.setting("WRK_METHOD", "PATCH")
local typed = false
for name in pairs(wrk.headers) do
  if name:lower() == "content-type" then typed = true end
end
if not typed then wrk.headers["Content-Type"] = "application/json" end

local pick = common.random_user_picker()
local tag = common.setting("WRK_TAG", tostring(os.time()))
local writes = 0
local head, tail

function init()
  head, tail = common.split_request()
  -- The split request ends with the blank line; the length header goes before it.
  tail = tail:sub(1, -3)
end

function request()
  writes = writes + 1
  local body = string.format('{"name":"Renamed %s-%d","custom":{"team":"team-%d","level":%d,"verified":true}}',
    tag, writes, writes % 20, writes % 100)
  return head .. pick() .. tail .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
end
