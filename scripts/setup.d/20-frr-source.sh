#!/usr/bin/env bash
# FRR source of exactly the installed frr package, bootstrapped and configured with Debian's options, so the
# zebra plugin compiles against headers whose struct layouts match the running zebra (Debian ships no FRR
# headers). Lives in $GW_CACHE/frr-<version>, never in the repository. A stamp makes repeat runs instant.
set -euo pipefail
: "${GW_CACHE:=/var/cache/vpc-gateway}"
ver=$(dpkg-query -W -f='${Version}' frr 2>/dev/null || true)
[ -n "$ver" ] || { echo "20-frr-source: frr is not installed" >&2; exit 1; }
upstream=${ver%%-*}; upstream=${upstream#*:}
dir="$GW_CACHE/frr-$ver"
stamp="$dir/.configured"
[ -f "$stamp" ] && exit 0

if [ "${SETUP_BUILD_ONLY:-0}" != 1 ] && ! apt-get source --print-uris "frr=$ver" >/dev/null 2>&1; then
  cat > /etc/apt/sources.list.d/vpc-gateway-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
fi

mkdir -p "$dir"
src="$dir/frr-$upstream"
if [ ! -d "$src/lib" ]; then
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  (cd "$dir.tmp" && apt-get source -qq "frr=$ver" >/dev/null)
  rm -rf "$src" && mv "$dir.tmp/frr-$upstream" "$src" && rm -rf "$dir.tmp"
fi
cd "$src"
[ -x configure ] || PYTHON=/usr/bin/python3 ./bootstrap.sh >/dev/null 2>&1
mkdir -p build && cd build
# Debian's options (debian/rules); --enable-multipath=256 changes struct layouts and is therefore mandatory.
PYTHON=/usr/bin/python3 ../configure --build=x86_64-linux-gnu --prefix=/usr --localstatedir=/var/run/frr \
  --sbindir=/usr/lib/frr --sysconfdir=/etc/frr --with-vtysh-pager=/usr/bin/pager \
  --libdir=/usr/lib/x86_64-linux-gnu/frr --with-moduledir=/usr/lib/x86_64-linux-gnu/frr/modules \
  --disable-dependency-tracking --enable-rpki --disable-scripting --disable-pim6d --with-libpam --disable-doc \
  --enable-snmp --enable-fpm --disable-protobuf --disable-zeromq --enable-ospfapi --enable-bgp-vnc \
  --enable-multipath=256 --enable-user=frr --enable-group=frr --enable-vty-group=frrvty \
  --enable-configfile-mask=0640 --enable-logfile-mask=0640 >configure.log 2>&1 \
  || { tail -20 configure.log >&2; exit 1; }
make lib/route_types.h >/dev/null
grep -q '#define MULTIPATH_NUM 256' config.h || { echo "20-frr-source: MULTIPATH_NUM is not 256" >&2; exit 1; }
grep -q '#define HAVE_NETLINK' config.h || { echo "20-frr-source: HAVE_NETLINK missing" >&2; exit 1; }
ln -sfn "$src" "$GW_CACHE/frr-src"
echo "$ver" > "$stamp"
