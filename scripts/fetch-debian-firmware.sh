#!/bin/sh
# Download an official Debian firmware package (default: trixie's ovmf) and unpack it into a cache
# outside the repository, without touching the machine's apt configuration. Firmware is never
# committed.
#   scripts/fetch-debian-firmware.sh [SUITE [PACKAGE]]      e.g. `trixie`, `sid ovmf-generic`
# Result: $TCG2SIM_FIRMWARE_DIR/debian-SUITE/usr/share/... (the whole .deb unpacked; PACKAGE=ovmf),
#         $TCG2SIM_FIRMWARE_DIR/debian-SUITE/PACKAGE/usr/share/... for any other package.
# The file PACKAGE in that directory names the .deb it came from.
# TCG2SIM_FIRMWARE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/tcg2sim/firmware.
set -eu
suite="${1:-trixie}"
package="${2:-ovmf}"
case "$suite" in *[!a-z0-9-]*|'') echo "fetch-debian-firmware: bad suite name '$suite'" >&2; exit 2;; esac
case "$package" in *[!a-z0-9.+-]*|'') echo "fetch-debian-firmware: bad package name '$package'" >&2; exit 2;; esac
cache="${TCG2SIM_FIRMWARE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tcg2sim/firmware}"
if [ "$package" = ovmf ]; then dest="$cache/debian-$suite"; else dest="$cache/debian-$suite/$package"; fi
if [ -f "$dest/PACKAGE" ] && [ -d "$dest/usr" ]; then
  echo "fetch-debian-firmware: $dest already present"; exit 0
fi
apt_dir="$(mktemp -d)"
trap 'rm -rf "$apt_dir"' EXIT
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" "$apt_dir/dl"
echo "deb http://deb.debian.org/debian $suite main" > "$apt_dir/sources.list"
opts="-o Dir::Etc::SourceList=$apt_dir/sources.list -o Dir::Etc::SourceParts=$apt_dir/parts \
 -o Dir::State::Lists=$apt_dir/lists -o Dir::Cache=$apt_dir/cache -o Debug::NoLocking=1 \
 -o APT::Sandbox::User=$(id -un)"
# shellcheck disable=SC2086
apt-get -q $opts update >/dev/null
# shellcheck disable=SC2086
# The suite's version, named: without it apt prefers the version installed on this machine.
# shellcheck disable=SC2086
version="$(apt-cache $opts madison "$package" | awk -F'|' 'NR==1 { gsub(/ /, "", $2); print $2 }')"
[ -n "$version" ] || { echo "fetch-debian-firmware: no $package in $suite" >&2; exit 1; }
# shellcheck disable=SC2086
(cd "$apt_dir/dl" && apt-get -q $opts download "$package=$version" >/dev/null)
deb="$(ls "$apt_dir"/dl/"$package"_*.deb)"
mkdir -p "$dest"
dpkg-deb -x "$deb" "$dest"
basename "$deb" > "$dest/PACKAGE"
echo "fetch-debian-firmware: $(cat "$dest/PACKAGE") -> $dest"
