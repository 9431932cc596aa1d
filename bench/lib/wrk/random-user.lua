-- WRK_METHOD (GET) of WRK_PATH, its "{user}" a user-<n> drawn at random below WRK_USERS for
-- every request.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")

wrk.method = common.setting("WRK_METHOD", "GET")
local pick = common.random_user_picker()
local head, tail

function init()
  head, tail = common.split_request()
end

function request()
  return head .. pick() .. tail
end
