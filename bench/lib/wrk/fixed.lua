-- The same request every time: the URL's path, WRK_METHOD and WRK_BODY. With no request()
-- function wrk builds it once, so the client spends no Lua on a request.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")

wrk.method = common.setting("WRK_METHOD", "GET")
local body = os.getenv("WRK_BODY")
if body ~= nil and body ~= "" then wrk.body = body end
