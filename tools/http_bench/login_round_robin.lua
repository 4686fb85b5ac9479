-- wrk script: Connect JSON Login, round robin over USERS accounts httpbench0@example.com ..
-- (as loadgen's login scenario does: one account's concurrent attempts would hit its limit).
local users = tonumber(os.getenv("USERS") or "128")
local next_user = 0
request = function()
  local body = string.format(
    '{"email":"httpbench%d@example.com","passwordHash":"httpbench-digest-0123"}', next_user)
  next_user = (next_user + 1) % users
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
