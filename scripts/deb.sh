#!/bin/sh
# Builds the Debian package f2b_VERSION_amd64.deb with dpkg-deb (no network, no debhelper).
#
#   scripts/deb.sh [--version V] [--binary FILE] [--out DIR] [--compress gzip|xz|zstd]
#
# Defaults: the version in package.json, dist/f2b (build it first: npm run build), dist/, gzip
# (every dpkg reads it; zstd needs dpkg 1.21.18+, i.e. Debian 12, and is 20 times faster). The files
# are laid out by install.sh itself (--root, --prefix /usr), so the package and install.sh install
# the same unit, logrotate file and /etc/f2b; packaging/deb/ has the control file and the
# maintainer scripts. Every file under /etc is a dpkg conffile (dpkg keeps an admin's edits).
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
VERSION=""
BINARY=$REPO/dist/f2b
OUT=$REPO/dist
COMPRESS=gzip

die() { printf 'deb.sh: ERROR: %s\n' "$*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case "$1" in
	--version) [ $# -ge 2 ] || die "--version needs a value"; VERSION=$2; shift 2 ;;
	--binary) [ $# -ge 2 ] || die "--binary needs a value"; BINARY=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || die "--out needs a value"; OUT=$2; shift 2 ;;
	--compress) [ $# -ge 2 ] || die "--compress needs a value"; COMPRESS=$2; shift 2 ;;
	*) die "unknown option: $1 (usage: scripts/deb.sh [--version V] [--binary FILE] [--out DIR] [--compress gzip|xz|zstd])" ;;
	esac
done
[ -n "$VERSION" ] || VERSION=$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$REPO/package.json" | head -n 1)
case "$VERSION" in "" | *[!0-9A-Za-z.+~-]* | [!0-9]*) die "not a Debian version: '$VERSION'" ;; esac
case "$COMPRESS" in gzip | xz | zstd) ;; *) die "--compress must be gzip, xz or zstd" ;; esac
[ -x "$BINARY" ] || die "$BINARY is not an executable f2b (build it first: npm run build)"
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/f2b-deb.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT INT TERM
PKG=$STAGE/pkg

# install.sh writes the tree; no SSH client address of the builder may end up in the package.
env -u SSH_CLIENT -u SSH_CONNECTION -u SSH_TTY sh "$REPO/install.sh" --root "$PKG" --prefix /usr \
	--binary "$BINARY" --firewall nftables --no-start </dev/null >"$STAGE/install.log" 2>&1 ||
	{ cat "$STAGE/install.log" >&2; die "install.sh --root failed"; }

# What install.sh keeps for itself and a package does not ship: its upgrade bookkeeping (dpkg's
# conffiles do that), the per-host installer config, the enable symlink (postinst enables), and
# the state, runtime and log directories (postinst creates /var/lib/f2b; purge removes it).
rm -rf "$PKG/usr/share/f2b/defaults" "$PKG/etc/f2b/jail.d/00-installer.conf" \
	"$PKG/etc/systemd/system/multi-user.target.wants" "$PKG/var" "$PKG/run"
# A packaged unit lives in /lib/systemd/system; /etc/systemd/system is the admin's.
mkdir -p "$PKG/lib/systemd/system"
mv "$PKG/etc/systemd/system/f2b.service" "$PKG/lib/systemd/system/f2b.service"
rmdir "$PKG/etc/systemd/system" "$PKG/etc/systemd"
mkdir -p "$PKG/usr/share/doc/f2b"
cp "$REPO/README.md" "$PKG/usr/share/doc/f2b/README.md"
cp "$REPO/packaging/README.md" "$PKG/usr/share/doc/f2b/README.packaging.md"

mkdir -p "$PKG/DEBIAN"
SIZE=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@SIZE@/$SIZE/" "$REPO/packaging/deb/control" >"$PKG/DEBIAN/control"
(cd "$PKG" && find etc -type f | sort | sed 's#^#/#') >"$PKG/DEBIAN/conffiles"
for script in postinst prerm postrm; do
	install -m 0755 "$REPO/packaging/deb/$script" "$PKG/DEBIAN/$script"
done

mkdir -p "$OUT"
DEB=$OUT/f2b_${VERSION}_amd64.deb
dpkg-deb --root-owner-group "-Z$COMPRESS" --build "$PKG" "$DEB" >/dev/null
echo "$DEB"
