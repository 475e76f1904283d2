-- wrk script: one webhook call per request, {"_model": "res.partner", "_id": AUTORULES_BENCH_ID}.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"_model": "res.partner", "_id": ' .. (os.getenv("AUTORULES_BENCH_ID") or "1") .. '}'
