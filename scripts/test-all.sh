#!/usr/bin/env bash
# The whole test suite, set-up included, on Debian 12 (`npm run test:all`; CI's .ci/run runs it too):
#
#   1. the Debian packages the tests use (scripts/debian-packages): installed with apt-get when
#      missing, as root or through `sudo -n`; otherwise the missing ones and the apt-get line to
#      run are printed and the script stops;
#   2. Node.js >= 20.19 is checked;
#   3. npm ci (when node_modules is absent or older than package-lock.json, and always in CI),
#      which builds; otherwise npm run build;
#   4. fuzz/build.sh: the Jazzer.js build the fuzzing tests use, and at the same time
#   5. lint;
#   6. every test (unit and integration) with TCG2SIM_TEST_STRICT=1: after this set-up nothing may
#      be skipped, so a test that still cannot run fails with its one-line reason. The spec files
#      run in TCG2SIM_TEST_JOBS (default 2) mocha --parallel workers, the files tagged @integration
#      (real boots, external tools; some wait out network time-outs under TCG for minutes) first,
#      so that their long boots overlap the unit specs; TCG2SIM_TEST_JOBS=1 runs them in one process.
#
# Arguments, if any, replace the list of spec files (and may add mocha options): the same set-up,
# then only those tests, e.g. `scripts/test-all.sh packages/cli/dist/test/pe.spec.js`.
#
# Ends with the summary reporter's line "N passed, N failed, N skipped"; a failed set-up step
# ends with "0 passed, 1 failed" under CI (CI=true). Exit status: the tests' (0 when all passed).
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

fail() {
  echo "test-all: $1" >&2
  [ "${CI:-}" = true ] && echo "0 passed, 1 failed"
  exit 1
}

# --- 1. Debian packages --------------------------------------------------------------------------
mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]//g' scripts/debian-packages)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt=(apt-get)
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    apt=(sudo -n apt-get)
  else
    echo "test-all: missing Debian packages: ${missing[*]}" >&2
    echo "test-all: install them, then run this again:  sudo apt-get install -y ${missing[*]}" >&2
    [ "${CI:-}" = true ] && echo "0 passed, 1 failed"
    exit 1
  fi
  echo "test-all: installing ${missing[*]}"
  "${apt[@]}" update -qq || fail "apt-get update failed"
  "${apt[@]}" install -y -qq "${missing[@]}" >/dev/null || fail "apt-get install -y ${missing[*]} failed"
fi
# virsh's embedded QEMU driver wants the libvirt-qemu user and group that libvirt-daemon-system
# (a whole daemon) would create: made here, as that package's postinst makes them.
if [ "$(id -u)" -eq 0 ] && ! getent passwd libvirt-qemu >/dev/null; then
  getent group kvm >/dev/null || groupadd -r kvm
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  useradd -r -g kvm -G libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu || fail "useradd libvirt-qemu failed"
fi

# systemd-pcrlock is not in Debian 12: Debian 13's, fetched from Debian's archive into a cache
# (scripts/fetch-systemd-pcrlock.sh), checks our .pcrlock files.
if [ -z "${TCG2SIM_SYSTEMD_PCRLOCK:-}" ]; then
  pcrlock_env=$(scripts/fetch-systemd-pcrlock.sh) || fail "scripts/fetch-systemd-pcrlock.sh failed (Debian 13's systemd-pcrlock for the reference specs)"
  while IFS= read -r line; do export "${line?}"; done <<<"$pcrlock_env"
fi

# Newer official OVMF builds (Debian trixie's ovmf, edk2-stable202502; sid's ovmf-generic, 2026.08)
# for their real-boot specs: fetched from Debian's archive into a cache outside the repository,
# never committed.
scripts/fetch-debian-firmware.sh trixie || fail "scripts/fetch-debian-firmware.sh trixie failed (Debian 13's OVMF for the newer-release specs)"
scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64 || fail "scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64 failed (Debian 13's AAVMF, docs/armvirt.md)"
scripts/fetch-debian-firmware.sh sid qemu-efi-aarch64 || fail "scripts/fetch-debian-firmware.sh sid qemu-efi-aarch64 failed (sid's AAVMF 2026.08, docs/armvirt.md)"
scripts/fetch-debian-firmware.sh sid ovmf-generic || fail "scripts/fetch-debian-firmware.sh sid ovmf-generic failed (sid's OVMF for the newer-release specs)"
scripts/fetch-debian-firmware.sh bullseye || fail "scripts/fetch-debian-firmware.sh bullseye failed (Debian 11's OVMF 2020.11 for the older-release specs, docs/distro-builds.md)"
scripts/fetch-debian-firmware.sh trixie ovmf-ia32 || fail "scripts/fetch-debian-firmware.sh trixie ovmf-ia32 failed (Debian 13's OVMF32 for the distro-builds-202302 specs)"
scripts/fetch-ubuntu-firmware.sh resolute ovmf-generic || echo "test-all: scripts/fetch-ubuntu-firmware.sh resolute ovmf-generic failed: the distro-builds-2024 specs of Ubuntu 26.04 skip (a suite moved off the archive)" >&2
scripts/fetch-ubuntu-firmware.sh questing ovmf || echo "test-all: scripts/fetch-ubuntu-firmware.sh questing ovmf failed: the distro-builds-2024 specs of Ubuntu 25.10 skip (a suite moved off the archive)" >&2
scripts/fetch-ubuntu-firmware.sh plucky ovmf || echo "test-all: scripts/fetch-ubuntu-firmware.sh plucky ovmf failed: the distro-builds-2024 specs of Ubuntu 25.04 skip (a suite moved off the archive)" >&2
scripts/fetch-ubuntu-firmware.sh plucky qemu-efi-aarch64 || echo "test-all: scripts/fetch-ubuntu-firmware.sh plucky qemu-efi-aarch64 failed: the ArmVirt specs of Ubuntu 25.04's AAVMF skip (docs/armvirt.md §14)" >&2
scripts/fetch-ubuntu-firmware.sh noble qemu-efi-aarch64 || echo "test-all: scripts/fetch-ubuntu-firmware.sh noble qemu-efi-aarch64 failed: the ArmVirt specs of Ubuntu 24.04's AAVMF skip (docs/armvirt.md §14)" >&2
scripts/fetch-ubuntu-firmware.sh noble-updates ovmf || echo "test-all: scripts/fetch-ubuntu-firmware.sh noble-updates ovmf failed: the distro-builds-2024 specs of Ubuntu 24.04 skip (a suite moved off the archive)" >&2

# --- 2. Node.js ----------------------------------------------------------------------------------
command -v node >/dev/null || fail "node not found: install Node.js >= 20.19 with npm (Debian 12's nodejs package is 18)"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
  || fail "Node.js $(node --version) is too old: >= 20.19 is needed"

# --- 3. npm packages and build -------------------------------------------------------------------
if [ "${CI:-}" = true ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || fail "npm ci failed"   # its prepare script builds
else
  npm run build || fail "npm run build failed"
fi

# --- 4. Jazzer.js (coverage-guided fuzzing) and 5. lint, at the same time ------------------------
# Independent of each other (fuzz/ is not linted; lint writes nothing): the fuzz build (npm ci of
# fuzz/, g++) runs in the background while eslint runs; its output is printed after lint's.
fuzz_log=$(mktemp)
fuzz/build.sh >"$fuzz_log" 2>&1 &
fuzz_pid=$!
npm run lint
lint_status=$?
wait "$fuzz_pid"
fuzz_status=$?
cat "$fuzz_log"
rm -f "$fuzz_log"
[ "$fuzz_status" -eq 0 ] || fail "fuzz/build.sh failed (the Jazzer.js build, fuzz/README.md)"
[ "$lint_status" -eq 0 ] || fail "lint failed"

# --- 6. every test -------------------------------------------------------------------------------
export TCG2SIM_TEST_STRICT=1
if [ $# -gt 0 ]; then
  node_modules/.bin/mocha "$@"
else
  shopt -s globstar nullglob
  specs=(packages/*/dist/test/**/*.spec.js)
  [ ${#specs[@]} -gt 0 ] || fail "no spec files under packages/*/dist/test (the build made none)"
  jobs="${TCG2SIM_TEST_JOBS:-2}"
  if [ "$jobs" -le 1 ]; then
    node_modules/.bin/mocha "${specs[@]}"
  else
    mapfile -t tagged < <(grep -l -F '@integration' "${specs[@]}")
    mapfile -t untagged < <(grep -L -F '@integration' "${specs[@]}")
    node_modules/.bin/mocha --parallel --jobs "$jobs" "${tagged[@]}" "${untagged[@]}"
  fi
fi
