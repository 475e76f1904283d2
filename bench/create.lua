-- wrk script: one JSON-2 create of a record with 5 fields per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "bearer " .. (os.getenv("AUTORULES_BENCH_KEY") or "none")
wrk.body = '{"vals_list": [{"name": "Bench Partner", "email": "bench@example.com", ' ..
           '"phone": "+1 555 0100", "city": "Paris", "customer_rank": 3}]}'
