#!/usr/bin/env bash
# Benchmark: `tcg2sim fv IMAGE --json` against `UEFIExtract IMAGE report` (uefitool-cli), the
# same image, run alternately; prints the median wall time of each and the ratio ours/theirs.
# Usage (from the repository root, after `npx tsc -b`):
#   bash bench/fv/run.sh [IMAGE (default /usr/share/OVMF/OVMF_CODE_4M.fd)] [RUNS (default 10)]
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE=${1:-/usr/share/OVMF/OVMF_CODE_4M.fd}
RUNS=${2:-10}
command -v UEFIExtract >/dev/null || { echo "UEFIExtract not found (apt-get install uefitool-cli)" >&2; exit 2; }
[ -f packages/cli/dist/src/main.js ] || { echo "build first: npx tsc -b" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=$(basename "$IMAGE")
cp "$IMAGE" "$work/$name"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
ours=()
theirs=()
for _ in $(seq "$RUNS"); do
  t0=$(now_ms)
  node packages/cli/bin/tcg2sim.js fv "$work/$name" --json >"$work/ours.json"
  t1=$(now_ms)
  (cd "$work" && UEFIExtract "$name" report >/dev/null && rm -f "$name.report.txt")
  t2=$(now_ms)
  ours+=($((t1 - t0)))
  theirs+=($((t2 - t1)))
done

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
m_ours=$(median "${ours[@]}")
m_theirs=$(median "${theirs[@]}")
echo "image:                      $IMAGE ($RUNS runs each, median wall time)"
echo "tcg2sim fv --json:          ${m_ours} ms   (runs: ${ours[*]})"
echo "UEFIExtract report:         ${m_theirs} ms   (runs: ${theirs[*]})"
awk -v a="$m_ours" -v b="$m_theirs" 'BEGIN { printf "ratio tcg2sim/UEFIExtract: %.2f (target: <= 1.00)\n", a / b }'
