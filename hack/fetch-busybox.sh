#!/usr/bin/env bash
# Unpacks Debian's dynamically linked busybox (not installed: it conflicts
# with busybox-static) and the host libraries it needs into DIR, for the
# critest busybox image. Unlike busybox-static, this build is not
# "standalone": its sh runs /bin/ls rather than its own ls applet, which
# critest's MaskedPaths spec relies on. Idempotent.
set -euo pipefail
dir=${1:?usage: fetch-busybox.sh DIR}
if [ -x "$dir/bin/busybox" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download busybox >/dev/null 2>&1 || { apt-get update -qq && apt-get download busybox >/dev/null; })
dpkg-deb -x "$tmp"/busybox_*.deb "$tmp/x"
mkdir -p "$dir/bin"
cp "$tmp/x/bin/busybox" "$dir/bin/busybox"
# The shared libraries, at the same paths as on the host.
ldd "$dir/bin/busybox" | awk '/=>/ {print $3; next} $1 ~ /^\// {print $1}' | while read -r lib; do
	[ -f "$lib" ] || continue
	mkdir -p "$dir$(dirname "$lib")"
	cp -L "$lib" "$dir$lib"
done
echo "fetch-busybox: $(find "$dir" -type f | wc -l) files in $dir"
