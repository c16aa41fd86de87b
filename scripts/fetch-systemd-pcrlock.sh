#!/usr/bin/env bash
# Brings Debian 13 (trixie)'s systemd-pcrlock onto a Debian 12 machine for the reference specs
# (packages/cli/test/reference-pcrlock.spec.ts), which check our .pcrlock files with the real
# tool. systemd 252 (Debian 12) has no systemd-pcrlock; trixie's 257 does. Its .debs are fetched
# from Debian's archive with a private apt configuration (a throw-away sources list, lists, cache
# and status under the cache directory: the machine's own apt is untouched), unpacked with dpkg -x,
# and the binary runs through trixie's own loader and libraries, from a wrapper script.
#
#   scripts/fetch-systemd-pcrlock.sh [CACHE_DIR]     (default ~/.cache/tcg2sim/systemd-trixie)
#
# Prints the two lines to export (TCG2SIM_SYSTEMD_PCRLOCK, TCG2SIM_PCRLOCK_D) and exits 0; exits 1
# with a one-line reason when the archive cannot be reached.
set -euo pipefail
cache="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/tcg2sim/systemd-trixie}"
root="$cache/root"
wrapper="$cache/systemd-pcrlock"
if [ -x "$wrapper" ] && [ -d "$root/usr/lib/pcrlock.d" ]; then
  echo "TCG2SIM_SYSTEMD_PCRLOCK=$wrapper"
  echo "TCG2SIM_PCRLOCK_D=$root/usr/lib/pcrlock.d"
  exit 0
fi
apt="$cache/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d" "$cache/debs" "$root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" > "$apt/sources.list"
: > "$apt/status"
opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/sources.list.d"
      -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Dir::State::status=$apt/status"
      -o "Debug::NoLocking=1")
apt-get "${opts[@]}" -o APT::Sandbox::User=root -qq update || { echo "fetch-systemd-pcrlock: cannot reach Debian's trixie archive" >&2; exit 1; }
# systemd-pcrlock, the libraries it links and the tpm2-tss libraries it dlopens (swtpm TCTI).
packages=(systemd libsystemd-shared libc6 libssl3t64 libacl1 libblkid1 libcap2 libcrypt1 libmount1
          libpam0g libseccomp2 libselinux1 libpcre2-8-0 libzstd1 liblzma5 libgcc-s1 libjson-c5
          libtss2-esys-3.0.2-0t64 libtss2-mu-4.0.1-0t64 libtss2-rc0t64 libtss2-sys1t64
          libtss2-tctildr0t64 libtss2-tcti-swtpm0t64 libtss2-tcti-mssim0t64 libtss2-tcti-device0t64)
(cd "$cache/debs" && apt-get "${opts[@]}" -o APT::Sandbox::User=root -qq download "${packages[@]}") \
  || { echo "fetch-systemd-pcrlock: apt-get download from trixie failed" >&2; exit 1; }
for d in "$cache"/debs/*.deb; do dpkg -x "$d" "$root"; done
loader="$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
[ -e "$loader" ] || loader="$root/usr/lib64/ld-linux-x86-64.so.2"
cat > "$wrapper" <<EOF
#!/bin/sh
# Debian 13's systemd-pcrlock with its own loader and libraries (scripts/fetch-systemd-pcrlock.sh).
exec "$loader" --library-path "$root/usr/lib/x86_64-linux-gnu/systemd:$root/usr/lib/x86_64-linux-gnu" "$root/usr/lib/systemd/systemd-pcrlock" "\$@"
EOF
chmod +x "$wrapper"
"$wrapper" --version >/dev/null 2>&1 || { echo "fetch-systemd-pcrlock: trixie's systemd-pcrlock does not run here" >&2; exit 1; }
echo "TCG2SIM_SYSTEMD_PCRLOCK=$wrapper"
echo "TCG2SIM_PCRLOCK_D=$root/usr/lib/pcrlock.d"
