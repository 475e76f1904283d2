-- wrk script: one JSON-2 write of one field of one record per request, each with a new value
-- (so that watched fields change). The record: AUTORULES_BENCH_ID; the field: AUTORULES_BENCH_FIELD
-- (default name); an integer field gets the counter itself.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "bearer " .. (os.getenv("AUTORULES_BENCH_KEY") or "none")
local id = os.getenv("AUTORULES_BENCH_ID") or "1"
local field = os.getenv("AUTORULES_BENCH_FIELD") or "name"
local counter = 0
local thread_tag = 0

function setup(thread)
  thread_tag = thread_tag + 1
  thread:set("tag", thread_tag)
end

request = function()
  counter = counter + 1
  local value
  if field == "name" then
    value = '"Bench ' .. tostring(tag) .. '-' .. counter .. '"'
  else
    value = tostring((tag or 0) * 100000000 + counter)
  end
  local body = '{"ids": [' .. id .. '], "vals": {"' .. field .. '": ' .. value .. '}}'
  return wrk.format(nil, nil, nil, body)
end
