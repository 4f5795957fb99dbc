#!/usr/bin/env bash
# Start the servers the test suite uses on 127.0.0.1, installing them on first use (as root):
# redis-server on 6379 (distributed-crawl tests) and Splash on 8050 (JavaScript-page tests).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null; then
    apt-get update && apt-get install -y redis-server
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 ||
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no

bash tools/splash-server.sh start
