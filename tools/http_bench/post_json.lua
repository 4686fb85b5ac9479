-- wrk script: POST the JSON in the environment variable BODY as a Connect unary call, e.g.
--   BODY='{"token":"eyJ..."}' wrk -t2 -c64 -d10s -s tools/http_bench/post_json.lua \
--     http://127.0.0.1:8080/auth.v1.AuthService/ValidateToken
-- wrk counts answers other than 2xx/3xx ("Non-2xx or 3xx responses").
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
