#!/usr/bin/env bash
# Long fuzz run of one target, as measured for the closing note (run from fuzz/):
#   ./run.sh TARGET RUNS
# Bounds: 10 s per input (hang), 2 GiB RSS, 512 MiB in one allocation.
set -euo pipefail
target=$1 runs=$2
mkdir -p work/$target artifacts/$target
exec nice -n 19 target/x86_64-unknown-linux-gnu/release/$target \
  work/$target corpus/$target \
  -runs=$runs -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix=artifacts/$target/
