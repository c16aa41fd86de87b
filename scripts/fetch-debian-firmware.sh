#!/bin/sh
# Download an official Debian ovmf package (default: trixie) and unpack it into a cache outside
# the repository, without touching the machine's apt configuration. Firmware is never committed.
#   scripts/fetch-debian-firmware.sh [SUITE]
# Result: $TCG2SIM_FIRMWARE_DIR/debian-SUITE/usr/share/OVMF/OVMF_CODE_4M.fd (and the rest of the .deb)
# TCG2SIM_FIRMWARE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/tcg2sim/firmware.
set -eu
suite="${1:-trixie}"
case "$suite" in *[!a-z0-9-]*|'') echo "fetch-debian-firmware: bad suite name '$suite'" >&2; exit 2;; esac
cache="${TCG2SIM_FIRMWARE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tcg2sim/firmware}"
dest="$cache/debian-$suite"
if [ -f "$dest/usr/share/OVMF/OVMF_CODE_4M.fd" ]; then
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
version="$(apt-cache $opts madison ovmf | awk -F'|' 'NR==1 { gsub(/ /, "", $2); print $2 }')"
[ -n "$version" ] || { echo "fetch-debian-firmware: no ovmf in $suite" >&2; exit 1; }
# shellcheck disable=SC2086
(cd "$apt_dir/dl" && apt-get -q $opts download "ovmf=$version" >/dev/null)
deb="$(ls "$apt_dir"/dl/ovmf_*.deb)"
mkdir -p "$dest"
dpkg-deb -x "$deb" "$dest"
basename "$deb" > "$dest/PACKAGE"
echo "fetch-debian-firmware: $(cat "$dest/PACKAGE") -> $dest"
