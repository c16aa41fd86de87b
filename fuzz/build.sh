#!/usr/bin/env bash
# Sets up coverage-guided fuzzing with Jazzer.js on Debian 12, without any GitHub download:
#
#   1. Debian packages: g++ and libclang-rt-14-dev (upstream libFuzzer 14 as a static archive);
#      installed with apt-get when missing and running as root, else reported.
#   2. This directory's own npm project (not a workspace): `npm ci --ignore-scripts`, so that
#      @jazzer.js/fuzzer's install script (prebuild download from GitHub, then a cmake-js build
#      that downloads Jazzer's libFuzzer fork from GitHub) never runs.
#   3. The native addon: @jazzer.js/fuzzer 2.1.0's own C++ sources (shipped in its npm tarball)
#      plus our adapter native/jazzer-shim.cpp, compiled with g++ against node-addon-api and
#      node-api-headers (both from npm) and linked with Debian's libFuzzer, written where the
#      package's loader (`bindings`) looks: node_modules/@jazzer.js/fuzzer/build/Release/.
#   4. The fuzz targets: `node bundle.mjs` (needs `npx tsc -b` at the repository root first).
#
# Usage (from anywhere): fuzz/build.sh          Idempotent; takes a few seconds after the first run.
# Then: npx mocha --grep Jazzer   (or see fuzz/README.md to run one target by hand).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

# --- 1. Debian packages --------------------------------------------------------------------------
APT_PACKAGES=(g++ libclang-rt-14-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fuzz/build.sh: missing Debian packages: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "fuzz/build.sh: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
LIBFUZZER=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a
if [ ! -f "$LIBFUZZER" ]; then
  # Another point release of the same package moves the versioned directory.
  LIBFUZZER="$(ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -1 || true)"
fi
[ -f "$LIBFUZZER" ] || { echo "fuzz/build.sh: libclang_rt.fuzzer_no_main-x86_64.a not found" >&2; exit 1; }

# --- 2. npm project ------------------------------------------------------------------------------
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# --- 3. native addon -----------------------------------------------------------------------------
PKG=node_modules/@jazzer.js/fuzzer
OBJ=build/obj
OUT="$PKG/build/Release/jazzerjs.node"
mkdir -p "$OBJ" "$(dirname "$OUT")"
CXXFLAGS=(-std=c++17 -O2 -fPIC -fvisibility=hidden -DNAPI_VERSION=4 -DNAPI_CPP_EXCEPTIONS
  -Inode_modules/node-api-headers/include -Inode_modules/node-addon-api -Inative/include -I"$PKG")
objs=()
for src in "$PKG"/*.cpp "$PKG"/shared/*.cpp native/jazzer-shim.cpp; do
  extra=()
  case "$src" in
    # The addon's call into libFuzzer goes through our shim (see native/jazzer-shim.cpp).
    */utils.cpp) extra=(-DFuzzerDriver=StoppableFuzzerDriver) ;;
    # One trampoline per call-site bucket: identical bodies must not be folded together.
    */jazzer-shim.cpp) extra=(-fno-ipa-icf) ;;
  esac
  obj="$OBJ/$(basename "$(dirname "$src")")-$(basename "$src" .cpp).o"
  g++ "${CXXFLAGS[@]}" "${extra[@]}" -c "$src" -o "$obj"
  objs+=("$obj")
done
g++ -shared -o "$OUT" "${objs[@]}" -Wl,--whole-archive "$LIBFUZZER" -Wl,--no-whole-archive -pthread
node -e "require('./$PKG/dist/addon.js')" # loads: every symbol resolved against this Node and glibc
echo "fuzz/build.sh: built $OUT"

# --- 4. fuzz targets -----------------------------------------------------------------------------
node bundle.mjs
