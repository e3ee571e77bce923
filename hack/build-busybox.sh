#!/usr/bin/env bash
# build-busybox.sh OUT — builds Debian's busybox-static (the installed
# version, from its Debian source package, Debian's "static" configuration)
# into OUT, without Debian's two debian-installer patches
# (revert-9c143ce52da1….patch, temp-deb-installer-hack.patch). Those patches
# undo an upstream ash change: upstream busybox passes environment
# variables whose names are not shell identifiers ("data-1", "p-data-1") on
# to the commands it runs; Debian's ash drops them. Kubernetes' busybox test
# image is upstream busybox, and the node e2e specs that consume ConfigMaps
# and Secrets through envFrom check exactly those names with `sh -c env`.
# Everything else is Debian's build. Idempotent (nothing to do when OUT
# exists); needs gcc, make, libc6-dev and dpkg-dev; ~3 min on 2 cores.
set -euo pipefail
out=${1:?usage: build-busybox.sh OUT}
[ -x "$out" ] && exit 0
ver=$(dpkg-query -W -f '${source:Version}' busybox-static 2>/dev/null) || {
	echo "build-busybox: needs Debian's busybox-static installed (its version is the one built)" >&2
	exit 1
}
for t in gcc make dpkg-source; do
	command -v "$t" >/dev/null || { echo "build-busybox: needs $t (apt-get install gcc make dpkg-dev libc6-dev)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A private apt state with the deb-src lines of the host's own sources, so
# that apt fetches and verifies the source package without touching the
# host's apt configuration.
mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/sources"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed 's/^Types:.*/Types: deb-src/' "$f" >"$tmp/apt/sources/$(basename "$f")"
done
if [ -f /etc/apt/sources.list ]; then
	sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >"$tmp/apt/sources.list"
else
	: >"$tmp/apt/sources.list"
fi
aptopts=(-o "Dir::Etc::SourceList=$tmp/apt/sources.list" -o "Dir::Etc::SourceParts=$tmp/apt/sources"
	-o "Dir::State::Lists=$tmp/apt/lists" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
apt-get "${aptopts[@]}" -qq update >"$tmp/apt.log" 2>&1 || { tail -20 "$tmp/apt.log" >&2; exit 1; }
(cd "$tmp" && apt-get "${aptopts[@]}" -qq --download-only source "busybox=$ver") >>"$tmp/apt.log" 2>&1 ||
	{ tail -20 "$tmp/apt.log" >&2; exit 1; }
(cd "$tmp" && dpkg-source --skip-patches -x busybox_*.dsc src) >>"$tmp/apt.log" 2>&1 ||
	{ tail -20 "$tmp/apt.log" >&2; exit 1; }
src="$tmp/src"
skipped=0
while read -r p; do
	case $p in '' | '#'*) continue ;; esac
	case $p in
	revert-9c143ce52da11ec3d21a3491c3749841d3dc10f0.patch | temp-deb-installer-hack.patch)
		skipped=$((skipped + 1))
		continue
		;;
	esac
	patch -d "$src" -p1 -s <"$src/debian/patches/$p"
done <"$src/debian/patches/series"
[ "$skipped" = 2 ] || { echo "build-busybox: Debian's patch series changed (skipped $skipped of the 2 d-i patches): check this script" >&2; exit 1; }
# Debian's configuration, as debian/rules assembles it; the d-i option the
# skipped patch adds is simply unknown to this tree.
cat "$src/debian/config/os/linux" "$src/debian/config/pkg/static" >"$src/.config"
# (yes ends on SIGPIPE: no pipefail for that pipe)
(cd "$src" && set +o pipefail && yes "" | make oldconfig && nice -n 10 make -s -j"$(nproc)" busybox) >"$tmp/build.log" 2>&1 ||
	{ tail -30 "$tmp/build.log" >&2; exit 1; }
# The point of the build, checked: a name that is not an identifier survives sh.
got=$(env -i 'data-1=value-1' "$src/busybox" sh -c env) || true
case $got in *data-1=value-1*) ;; *)
	echo "build-busybox: the built ash still drops 'data-1' from the environment" >&2
	exit 1
	;;
esac
mkdir -p "$(dirname "$out")"
cp "$src/busybox" "$out.tmp"
mv "$out.tmp" "$out"
echo "build-busybox: busybox $ver (upstream ash environment) in $out"
