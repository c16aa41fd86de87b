#!/usr/bin/env bash
# Benchmark: `tcg2sim fv IMAGE --json` against `UEFIExtract IMAGE report` (uefitool-cli), the
# same image, run alternately. Prints the median wall time and the median CPU time (user + sys)
# of each and the ratios ours/theirs (CPU time is the steadier figure on a shared machine), and
# `tcg2sim --help` alone: the CLI's start-up cost, which is part of every command's time.
# Usage (from the repository root, after `npm run build`, which also builds the CLI bundle; after a
# bare `npx tsc -b` the bin falls back to the slower dist module graph):
#   bash bench/fv/run.sh [IMAGE (default /usr/share/OVMF/OVMF_CODE_4M.fd)] [RUNS (default 10)]
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE=${1:-/usr/share/OVMF/OVMF_CODE_4M.fd}
RUNS=${2:-10}
command -v UEFIExtract >/dev/null || { echo "UEFIExtract not found (apt-get install uefitool-cli)" >&2; exit 2; }
[ -f packages/cli/dist/src/main.js ] || { echo "build first: npm run build" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=$(basename "$IMAGE")
cp "$IMAGE" "$work/$name"
root=$(pwd)

# Runs "$@" in $work; appends "wall_ms cpu_ms" to the file named by $1.
measure() {
  local out=$1
  shift
  local TIMEFORMAT='%R %U %S'
  { time (cd "$work" && "$@" >/dev/null) ; } 2>"$work/t"
  awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' "$work/t" >>"$out"
}

: >"$work/ours"
: >"$work/theirs"
: >"$work/startup"
for _ in $(seq "$RUNS"); do
  measure "$work/ours" node "$root/packages/cli/bin/tcg2sim.js" fv "$name" --json
  measure "$work/theirs" sh -c "UEFIExtract '$name' report && rm -f '$name.report.txt'"
  measure "$work/startup" node "$root/packages/cli/bin/tcg2sim.js" --help
done

median() { cut -d' ' -f"$2" "$1" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ow=$(median "$work/ours" 1); oc=$(median "$work/ours" 2)
tw=$(median "$work/theirs" 1); tc=$(median "$work/theirs" 2)
sw=$(median "$work/startup" 1); sc=$(median "$work/startup" 2)
echo "image: $IMAGE ($RUNS runs each, medians)"
printf '%-24s wall %6s ms   cpu %6s ms\n' "tcg2sim fv --json" "$ow" "$oc" "UEFIExtract report" "$tw" "$tc" \
  "(tcg2sim --help)" "$sw" "$sc"
awk -v a="$ow" -v b="$tw" -v c="$oc" -v d="$tc" 'BEGIN { printf "ratio tcg2sim/UEFIExtract: wall %.2f, cpu %.2f (target: <= 1.00)\n", a / b, c / d }'
