#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer; starts local ones if installed.
set -u
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }
if ! pg_up && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
fi
if ! redis_up && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
fi
ok=0
pg_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432 — start it: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start"; ok=1; }
redis_up || { echo "Redis is not reachable on 127.0.0.1:6379 — start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no"; ok=1; }
exit $ok
