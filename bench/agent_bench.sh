#!/bin/sh
# Builds and runs bench/agent_bench (see its header): kehrbote-agent `once` with
# 100,000 SQLite appointments against a loopback sshd, side by side with
# `sqlite3 -json` + OpenSSH `sftp put`.
#   bench/agent_bench.sh [build dir]
set -e
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target kehrbote-agent agent_bench -j2
exec "$build/bench/agent_bench"
