-- wrk script: as hook.lua, each connection waiting on average AUTORULES_BENCH_DELAY_MS
-- milliseconds before each request (uniformly between none and twice that, so that the
-- connections do not send in step), so that many connections offer a chosen rate: latencies are
-- then those of a server at that load, not of a queue of clients waiting for each other.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"_model": "res.partner", "_id": ' .. (os.getenv("AUTORULES_BENCH_ID") or "1") .. '}'
local pause = tonumber(os.getenv("AUTORULES_BENCH_DELAY_MS") or "100")

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function delay()
  return math.random(0, 2 * pause)
end
