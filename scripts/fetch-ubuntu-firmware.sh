#!/bin/sh
# Download an official Ubuntu firmware package (default: resolute's ovmf-generic) and unpack it into
# a cache outside the repository. Download and unpack only: nothing is built, nothing installed,
# the machine's apt configuration is not touched. Firmware is never committed.
#   scripts/fetch-ubuntu-firmware.sh [SUITE [PACKAGE]]     e.g. `questing ovmf`, `noble-updates ovmf`
# Result: $TCG2SIM_FIRMWARE_DIR/ubuntu-SUITE/usr/share/... for PACKAGE=ovmf (SUITE without its
#         -updates suffix), $TCG2SIM_FIRMWARE_DIR/ubuntu-SUITE/PACKAGE/usr/share/... for any other.
# The file PACKAGE in that directory names the .deb it came from. The .deb's SHA-256 is checked
# against the suite's Packages index; the specs check each image's SHA-256 against their vectors
# (an upload newer than the captured one is skipped with a notice, docs/distro-builds-2024.md).
# TCG2SIM_FIRMWARE_DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/tcg2sim/firmware.
set -eu
suite="${1:-resolute}"
package="${2:-ovmf-generic}"
case "$suite" in *[!a-z0-9-]*|'') echo "fetch-ubuntu-firmware: bad suite name '$suite'" >&2; exit 2;; esac
case "$package" in *[!a-z0-9.+-]*|'') echo "fetch-ubuntu-firmware: bad package name '$package'" >&2; exit 2;; esac
cache="${TCG2SIM_FIRMWARE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tcg2sim/firmware}"
name="ubuntu-${suite%-updates}"
if [ "$package" = ovmf ]; then dest="$cache/$name"; else dest="$cache/$name/$package"; fi
if [ -f "$dest/PACKAGE" ] && [ -d "$dest/usr" ]; then
  echo "fetch-ubuntu-firmware: $dest already present"; exit 0
fi
archive="https://archive.ubuntu.com/ubuntu"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsS --connect-timeout 20 --max-time 600 --retry 2 -o "$tmp/Packages.gz" "$archive/dists/$suite/main/binary-amd64/Packages.gz"
# The package's stanza: its pool path and SHA-256.
gzip -dc "$tmp/Packages.gz" | awk -v P="$package" '
  $0 == "Package: " P { p = 1; next }
  p && /^Filename: / { f = $2 }
  p && /^SHA256: / { s = $2 }
  p && /^$/ { exit }
  END { if (f != "" && s != "") print f, s }' > "$tmp/entry"
[ -s "$tmp/entry" ] || { echo "fetch-ubuntu-firmware: no $package in $suite" >&2; exit 1; }
read -r file sha < "$tmp/entry"
deb="$tmp/$(basename "$file")"
curl -fsS --connect-timeout 20 --max-time 600 --retry 2 -o "$deb" "$archive/$file"
echo "$sha  $deb" | sha256sum -c --quiet - || { echo "fetch-ubuntu-firmware: $file does not have the index's SHA-256" >&2; exit 1; }
mkdir -p "$dest"
dpkg-deb -x "$deb" "$dest"
basename "$file" > "$dest/PACKAGE"
echo "fetch-ubuntu-firmware: $(cat "$dest/PACKAGE") -> $dest"
