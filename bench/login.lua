-- wrk script for bench/http.sh: hammers POST /api/v1/auth/login with the benchmark user's real
-- credentials (BENCH_EMAIL, BENCH_PASSWORD), so every request pays the full argon2id verify.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}',
                         os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
