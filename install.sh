#!/bin/sh
# install.sh — installs (or upgrades, or removes) f2b on a Debian/Ubuntu/Proxmox host.
#
#   sudo ./install.sh                 install or upgrade, then start f2b and show its status
#   sudo ./install.sh --uninstall     stop f2b, remove its firewall objects, unit and binary
#   sudo ./install.sh --uninstall --purge   ... and /etc/f2b, the ban database and f2b's log
#
# Upgrades never overwrite a file you changed: the defaults shipped last time are kept under
# PREFIX/share/f2b/defaults, so a changed file is recognised and kept (the new default is put
# beside it as FILE.f2b-new). Your own *.local files are never touched.
set -eu

ME="f2b-install"
say() { printf '%s: %s\n' "$ME" "$*"; }
warn() { printf '%s: WARNING: %s\n' "$ME" "$*" >&2; }
die() { printf '%s: ERROR: %s\n' "$ME" "$*" >&2; exit 1; }

usage() {
	cat <<'EOF'
usage: sudo ./install.sh [options]
  --uninstall        stop f2b and remove it (keeps /etc/f2b and the ban database)
  --purge            with --uninstall: also remove /etc/f2b, the database and f2b's log
  --binary FILE      install this f2b binary (default: ./f2b beside this script, else build
                     from this checkout with Bun)
  --prefix DIR       where bin/f2b and share/f2b go (default /usr/local)
  --root DIR         install into DIR as if it were / (staging, tests); systemd is not used
  --firewall NAME    nftables or iptables (default: what the host has, nftables first)
  --ignoreip ADDR    never ban ADDR (added to ignoreip; repeatable). The address you are
                     logged in from over SSH is added automatically.
  --no-start         install only; do not start or restart f2b
EOF
}

ROOT=""
PREFIX=/usr/local
BINARY=""
ACTION=install
BINARY_CHANGED=0
PURGE=0
START=1
FIREWALL=auto
EXTRA_IGNORE=""

need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--root) need_arg "$@"; ROOT=$2; shift 2 ;;
	--prefix) need_arg "$@"; PREFIX=$2; shift 2 ;;
	--binary) need_arg "$@"; BINARY=$2; shift 2 ;;
	--firewall) need_arg "$@"; FIREWALL=$2; shift 2 ;;
	--ignoreip) need_arg "$@"; EXTRA_IGNORE="$EXTRA_IGNORE $2"; shift 2 ;;
	--uninstall) ACTION=uninstall; shift ;;
	--purge) PURGE=1; shift ;;
	--no-start) START=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option: $1" ;;
	esac
done

[ "$(id -u)" = 0 ] || die "run me as root: sudo $0"
case "$FIREWALL" in auto | nftables | iptables) ;; *) die "--firewall must be nftables or iptables" ;; esac
case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path" ;; esac
if [ -n "$ROOT" ]; then
	mkdir -p "$ROOT"
	ROOT=$(cd "$ROOT" && pwd)
	[ "$ROOT" != / ] || ROOT=""
fi
[ "$PURGE" = 0 ] || [ "$ACTION" = uninstall ] || die "--purge only goes with --uninstall"

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
BIN=$ROOT$PREFIX/bin/f2b
SHARE=$ROOT$PREFIX/share/f2b
DEFAULTS=$SHARE/defaults
ETC=$ROOT/etc/f2b
UNIT=$ROOT/etc/systemd/system/f2b.service
LOGROTATE=$ROOT/etc/logrotate.d/f2b
STATE=$ROOT/var/lib/f2b
RUNDIR=$ROOT/run/f2b
LOGFILE=$ROOT/var/log/f2b.log
INSTALLER_CONF=jail.d/00-installer.conf

# Under a staging root the daemon and the CLI are pointed at the root's own paths; on a real
# install they read them from /etc/f2b/fail2ban.conf (which the admin may have changed).
# These option lists are split into words on purpose, hence no blanks or globs in the paths.
case "$ROOT$PREFIX" in *[[:space:]*?[]*) die "--root and --prefix must not contain blanks or * ? [" ;; esac
if [ -n "$ROOT" ]; then
	CLI_OPTS="-c $ETC -s $RUNDIR/f2b.sock"
	SERVER_PATHS="-p $RUNDIR/f2b.pid --dbfile $STATE/f2b.sqlite3 --logtarget $LOGFILE"
else
	CLI_OPTS=""
	SERVER_PATHS=""
fi
# shellcheck disable=SC2086 # CLI_OPTS: see above
f2b_cli() { "$BIN" $CLI_OPTS "$@"; }

use_systemd() {
	[ -z "$ROOT" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

f2b_running() { [ -x "$BIN" ] && f2b_cli ping >/dev/null 2>&1; }

# Waits (up to 15 s) for the running server to stop answering.
wait_stopped() {
	i=0
	while f2b_running && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	! f2b_running
}

# ---------------------------------------------------------------- the binary

# Under sudo, the build runs as the admin who owns the checkout, so node_modules/ and dist/ stay theirs.
as_checkout_owner() {
	owner=$(stat -c %U "$SCRIPT_DIR" 2>/dev/null || echo root)
	if [ "$owner" != root ] && [ "${SUDO_USER:-}" = "$owner" ] && command -v runuser >/dev/null 2>&1; then
		home=$(getent passwd "$owner" | cut -d: -f6)
		runuser -u "$owner" -- env HOME="${home:-/tmp}" "$@"
	else
		"$@"
	fi
}

build_from_checkout() {
	say "no prebuilt f2b beside install.sh: building it from this checkout with Bun"
	command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 ||
		die "building f2b needs Node.js and npm (apt-get install nodejs npm), or put a prebuilt f2b binary next to install.sh"
	if [ ! -x "$SCRIPT_DIR/node_modules/.bin/bun" ]; then
		say "installing build dependencies (npm ci, which brings Bun)"
		(cd "$SCRIPT_DIR" && as_checkout_owner npm ci --no-audit --no-fund) || die "npm ci failed"
	fi
	(cd "$SCRIPT_DIR" && as_checkout_owner node_modules/.bin/bun scripts/build.ts) || die "building dist/f2b failed"
	BINARY=$SCRIPT_DIR/dist/f2b
}

find_binary() {
	if [ -n "$BINARY" ]; then
		:
	elif [ -f "$SCRIPT_DIR/f2b" ] && [ -x "$SCRIPT_DIR/f2b" ]; then
		BINARY=$SCRIPT_DIR/f2b
	elif [ -f "$SCRIPT_DIR/package.json" ] && [ -f "$SCRIPT_DIR/scripts/build.ts" ]; then
		build_from_checkout
	else
		die "no f2b binary beside install.sh and no source checkout to build one"
	fi
	[ -f "$BINARY" ] && [ -x "$BINARY" ] || die "$BINARY is not an executable file"
	"$BINARY" version >/dev/null 2>&1 || die "$BINARY does not run on this machine"
}

install_binary() {
	mkdir -p "$(dirname "$BIN")"
	if [ -f "$BIN" ] && cmp -s "$BINARY" "$BIN"; then
		say "$BIN is up to date ($("$BIN" version))"
		return
	fi
	BINARY_CHANGED=1
	# A new file renamed over the old one: a running f2b keeps its (old) inode.
	cp "$BINARY" "$BIN.new.$$"
	chmod 0755 "$BIN.new.$$"
	mv -f "$BIN.new.$$" "$BIN"
	say "installed $BIN ($("$BIN" version))"
}

# ---------------------------------------------------------------- /etc/f2b

# The shipped defaults into $1: from the binary (`f2b dump-config DIR`) when it can, else from
# this checkout's jails/ and filters/ (the same files the binary embeds).
stage_defaults() {
	if "$BIN" dump-config "$1" >/dev/null 2>&1 && [ -f "$1/jail.conf" ]; then
		return
	fi
	rm -rf "$1" && mkdir -p "$1/filter.d"
	[ -f "$SCRIPT_DIR/jails/jail.conf" ] && [ -d "$SCRIPT_DIR/filters" ] ||
		die "cannot find f2b's default configuration (this f2b has no dump-config, and there is no jails/ beside install.sh)"
	cp -R "$SCRIPT_DIR/jails/." "$1/"
	cp -R "$SCRIPT_DIR/filters/." "$1/filter.d/"
	find "$1" -name '*.local' -exec rm -f {} +
}

CHANGES=0
KEPT=""
# Puts the default $2 at /etc/f2b/$1 unless the admin changed that file since the last install.
sync_default() {
	rel=$1 new=$2 dst=$ETC/$1 rec=$DEFAULTS/$1
	mkdir -p "$(dirname "$dst")" "$(dirname "$rec")"
	if [ ! -e "$dst" ]; then
		cp "$new" "$dst" && chmod 0644 "$dst"
		CHANGES=$((CHANGES + 1))
	elif cmp -s "$new" "$dst"; then
		rm -f "$dst.f2b-new"
	elif [ -f "$rec" ] && cmp -s "$rec" "$dst"; then
		cp "$new" "$dst" && chmod 0644 "$dst" # unchanged by the admin: upgrade it
		rm -f "$dst.f2b-new"
		CHANGES=$((CHANGES + 1))
		say "updated $dst"
	else
		cp "$new" "$dst.f2b-new"
		KEPT="$KEPT $rel"
	fi
	cp "$new" "$rec"
}

# The installing admin's address: sudo usually drops SSH_CLIENT, so `who -m` is asked too.
admin_address() {
	addr=""
	if [ -n "${SSH_CLIENT:-}" ]; then
		addr=${SSH_CLIENT%% *}
	elif [ -n "${SSH_CONNECTION:-}" ]; then
		addr=${SSH_CONNECTION%% *}
	else
		addr=$(who -m 2>/dev/null | sed -n 's/.*(\([^()]*\))$/\1/p')
	fi
	addr=${addr#::ffff:}
	is_ip "$addr" && printf '%s\n' "$addr"
	return 0
}

# An IPv4 or IPv6 address, as SSH_CLIENT and who report one (who also reports ":0", "tmux(..)").
is_ip() {
	case $1 in
	*[!0-9.]*) ;;
	*.*.*.*) return 0 ;;
	esac
	case $1 in
	*[!0-9A-Fa-f:.]*) return 1 ;;
	*:*:*) return 0 ;;
	esac
	return 1
}

# What may go into ignoreip: an address, a network or a host name, and nothing that could break
# the config line (no blanks, %, ;, newlines). f2b -t checks the rest before f2b starts.
valid_ignore() {
	case $1 in
	"" | -* | *[!A-Za-z0-9.:/_-]*) return 1 ;;
	esac
	[ ${#1} -le 253 ]
}

detect_firewall() {
	if [ "$FIREWALL" != auto ]; then
		echo "$FIREWALL"
	elif command -v nft >/dev/null 2>&1 && nft list tables >/dev/null 2>&1; then
		echo nftables
	elif command -v iptables >/dev/null 2>&1; then
		command -v ipset >/dev/null 2>&1 || warn "iptables without ipset: f2b's iptables backend needs ipset (apt-get install ipset)"
		echo iptables
	else
		warn "neither nft nor iptables found: install nftables (apt-get install nftables); bans will fail until then"
		echo nftables
	fi
}

# jail.d/00-installer.conf: this host's firewall and the admins' addresses. As a .conf it is read
# before jail.local and every *.local, so anything the admin writes there wins.
write_installer_conf() {
	fw=$(detect_firewall)
	prev=""
	[ -f "$DEFAULTS/$INSTALLER_CONF" ] &&
		prev=$(sed -n 's/^ignoreip = //p' "$DEFAULTS/$INSTALLER_CONF")
	addrs=""
	# jail.conf's loopback defaults first: this [DEFAULT] ignoreip replaces jail.conf's.
	for a in 127.0.0.1/8 ::1 $prev $(admin_address) $EXTRA_IGNORE; do
		valid_ignore "$a" || { warn "ignoring '$a': not an address, network or host name"; continue; }
		case " $addrs " in *" $a "*) ;; *) addrs="$addrs $a" ;; esac
	done
	out=$STAGE_DIR/installer.conf
	{
		echo "# Written by install.sh for this host: the firewall it found and the addresses admins"
		echo "# installed from (never banned). Settings in jail.local or jail.d/*.local override these."
		echo "# If you edit this file, install.sh keeps your version (its proposal goes to .f2b-new)."
		echo "[DEFAULT]"
		echo "ignoreip =$addrs"
		echo "banaction = $fw-multiport"
		echo "banaction_allports = $fw-allports"
	} >"$out"
	sync_default "$INSTALLER_CONF" "$out"
	say "firewall: $fw; never banned:$addrs (in $ETC/$INSTALLER_CONF)"
	[ "$addrs" != " 127.0.0.1/8 ::1" ] ||
		warn "no SSH client address found to protect from bans; add yours with --ignoreip ADDR"
}

install_config() {
	mkdir -p "$ETC"
	stage_defaults "$STAGE_DIR/defaults"
	(cd "$STAGE_DIR/defaults" && find . -type f | sed 's#^\./##' | sort) >"$STAGE_DIR/list"
	while IFS= read -r rel; do
		sync_default "$rel" "$STAGE_DIR/defaults/$rel"
	done <"$STAGE_DIR/list"
	write_installer_conf
	say "configuration in $ETC ($CHANGES file(s) written; your *.local files are never touched)"
	for rel in $KEPT; do
		warn "kept your changed $ETC/$rel; the new default is beside it: $rel.f2b-new"
	done
}

# ---------------------------------------------------------------- service

install_packaging() {
	mkdir -p "$STATE" "$RUNDIR" "$(dirname "$LOGFILE")"
	chmod 0700 "$STATE"
	pkg=$SCRIPT_DIR/packaging
	if [ ! -f "$pkg/f2b.service" ]; then
		warn "no packaging/ beside install.sh: no systemd unit or logrotate config installed"
		return
	fi
	mkdir -p "$(dirname "$UNIT")" "$(dirname "$LOGROTATE")"
	sed "s#/usr/local/bin/f2b#$PREFIX/bin/f2b#g" "$pkg/f2b.service" >"$UNIT.tmp" && mv -f "$UNIT.tmp" "$UNIT"
	sed "s#/usr/local/bin/f2b#$PREFIX/bin/f2b#g" "$pkg/f2b.logrotate" >"$LOGROTATE.tmp" && mv -f "$LOGROTATE.tmp" "$LOGROTATE"
	chmod 0644 "$UNIT" "$LOGROTATE"
	say "installed $UNIT and $LOGROTATE"
	# The drop-in that runs an existing /etc/fail2ban (see fail2ban_notice); not active until copied.
	if [ -f "$pkg/f2b-fail2ban.conf" ]; then
		mkdir -p "$SHARE"
		sed "s#/usr/local/bin/f2b#$PREFIX/bin/f2b#g; s#/usr/local/share/f2b#$PREFIX/share/f2b#g" "$pkg/f2b-fail2ban.conf" >"$SHARE/f2b-fail2ban.conf"
		chmod 0644 "$SHARE/f2b-fail2ban.conf"
	fi
	# A staging root (an image being built) gets the unit enabled offline, as on a real install.
	if [ -n "$ROOT" ] && command -v systemctl >/dev/null 2>&1; then
		systemctl --root="$ROOT" enable f2b.service >/dev/null 2>&1 &&
			say "enabled f2b.service in $ROOT (starts at boot)"
	fi
}

start_f2b() {
	f2b_cli -t >"$STAGE_DIR/test.out" 2>&1 || {
		cat "$STAGE_DIR/test.out" >&2
		die "the configuration in $ETC has an error (above); fix it, then run: $BIN -t && sudo ./install.sh"
	}
	if use_systemd; then
		systemctl daemon-reload
		systemctl enable f2b.service >/dev/null 2>&1 || warn "systemctl enable f2b failed"
		# A new binary must take over (restart; bans are restored from the database); otherwise a
		# reload applies the configuration without dropping a single ban.
		if [ "$BINARY_CHANGED" = 1 ] || ! systemctl is-active --quiet f2b.service; then
			systemctl restart f2b.service || die "f2b did not start: journalctl -u f2b -n 50"
		else
			systemctl reload f2b.service || die "f2b did not reload: journalctl -u f2b -n 50"
		fi
		i=0
		while ! f2b_running && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
		# Type=simple: systemctl returns once the process runs, also when it exits right after.
		f2b_running || die "f2b did not come up within 15 s: journalctl -u f2b -n 50"
		say "f2b is running under systemd (enabled at boot)"
		return
	fi
	if f2b_running && [ "$BINARY_CHANGED" = 0 ]; then
		f2b_cli reload >/dev/null || die "f2b reload failed (see $LOGFILE)"
		say "f2b was running: configuration reloaded, bans kept"
		return
	fi
	if f2b_running; then
		say "stopping the running f2b to start the new binary (its bans are restored from the database)"
		f2b_cli stop >/dev/null 2>&1 || true
		wait_stopped || die "the running f2b did not stop"
	fi
	# Without -f the server daemonizes, writes its pidfile and returns once its socket answers.
	# shellcheck disable=SC2086 # SERVER_PATHS: our own option list
	"$BIN" server $CLI_OPTS $SERVER_PATHS || die "f2b did not start (see $LOGFILE)"
	if [ -n "$ROOT" ]; then
		say "f2b started in the background for the staging root $ROOT"
	else
		say "no systemd here: f2b started in the background (it will not start at boot; run '$BIN server' from your init system)"
	fi
}

fail2ban_notice() {
	[ -d "$ROOT/etc/fail2ban" ] || return 0
	cat <<EOF2

$ME: Found an existing fail2ban configuration in /etc/fail2ban. f2b can run it unchanged:
    sudo systemctl disable --now fail2ban     # fail2ban must be stopped first: same socket, same chains
    sudo $PREFIX/bin/f2b server -c /etc/fail2ban -f      # try it in the foreground
  and to keep it, the drop-in $PREFIX/share/f2b/f2b-fail2ban.conf runs it under the unit (it lets
  the sandbox write fail2ban's /var/lib/fail2ban and /run/fail2ban):
    sudo install -D -m 0644 $PREFIX/share/f2b/f2b-fail2ban.conf /etc/systemd/system/f2b.service.d/f2b-fail2ban.conf
    sudo systemctl daemon-reload && sudo systemctl restart f2b
  What differs: Python actions (action.d/*.py) are skipped with a warning; the common
  iptables/nftables banactions run natively (nftables: one table 'inet f2b'), other action.d
  files run as fail2ban runs them; fail2ban's database is adopted (its bans, ban history and log
  positions carry over; f2b adds its own tables to it). Until then f2b uses /etc/f2b.
EOF2
}

# ---------------------------------------------------------------- uninstall

# Whether a fail2ban-server runs in this network namespace (one elsewhere has other chains).
fail2ban_here() {
	mine=$(readlink /proc/self/ns/net 2>/dev/null) || return 1
	for pid in $(pgrep -f fail2ban-server 2>/dev/null); do
		[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$mine" ] && return 0
	done
	return 1
}

remove_firewall_objects() {
	if command -v nft >/dev/null 2>&1 && nft list table inet f2b >/dev/null 2>&1; then
		nft delete table inet f2b && say "removed nftables table inet f2b"
	fi
	# fail2ban names its iptables chains f2b-* too: leave them alone while fail2ban runs here.
	if fail2ban_here; then
		say "fail2ban is running: leaving iptables chains and ipsets named f2b-* in place"
		return
	fi
	set -f
	for ipt in iptables ip6tables; do
		command -v "$ipt" >/dev/null 2>&1 || continue
		"$ipt" -w -S 2>/dev/null | grep -e ' -j f2b-' | sed 's/^-A //' | while IFS= read -r rule; do
			# shellcheck disable=SC2086 # the rule's words, as iptables -S printed them
			"$ipt" -w -D $rule || true
		done
		"$ipt" -w -S 2>/dev/null | sed -n 's/^-N \(f2b-[^ ]*\)$/\1/p' | while IFS= read -r chain; do
			"$ipt" -w -F "$chain" && "$ipt" -w -X "$chain" && say "removed $ipt chain $chain"
		done
	done
	if command -v ipset >/dev/null 2>&1; then
		ipset list -n 2>/dev/null | grep -e '^f2b-' | while IFS= read -r set; do
			ipset destroy "$set" && say "removed ipset $set"
		done
	fi
	set +f
}

# Whether process $1 runs (a zombie waiting for its parent does not).
alive() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat" 2>/dev/null; }

# An f2b whose socket does not answer (binary already gone, socket deleted): TERM by its pidfile,
# so it still removes its own firewall objects on the way out.
stop_by_pidfile() {
	pid=$(cat "$RUNDIR/f2b.pid" 2>/dev/null) || return 0
	case $pid in "" | *[!0-9]*) return 0 ;; esac
	alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'f2b.* server' || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	i=0
	while alive "$pid" && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	alive "$pid" && warn "f2b (pid $pid) did not stop within 15 s" || say "stopped f2b (pid $pid)"
}

uninstall() {
	if use_systemd && [ -f "$UNIT" ]; then
		systemctl disable --now f2b.service >/dev/null 2>&1 || true
	fi
	if f2b_running; then
		f2b_cli stop >/dev/null 2>&1 || true
		wait_stopped || warn "f2b did not stop within 15 s"
		say "stopped f2b"
	fi
	stop_by_pidfile
	remove_firewall_objects
	rm -f "$UNIT" "$LOGROTATE" "$BIN" "$ROOT/etc/systemd/system/multi-user.target.wants/f2b.service"
	rm -rf "$SHARE"
	use_systemd && systemctl daemon-reload
	say "removed $BIN, $UNIT, $LOGROTATE and $SHARE"
	if [ "$PURGE" = 1 ]; then
		rm -rf "$ETC" "$STATE" "$RUNDIR"
		rm -f "$LOGFILE" "$LOGFILE".[0-9]*
		say "purged $ETC, $STATE and $LOGFILE"
	else
		say "kept $ETC and $STATE (the ban database); remove them with --uninstall --purge"
	fi
}

# ---------------------------------------------------------------- main

if [ "$ACTION" = uninstall ]; then
	uninstall
	exit 0
fi

STAGE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/f2b-install.XXXXXX")
trap 'rm -rf "$STAGE_DIR"' EXIT INT TERM
find_binary
install_binary
install_config
install_packaging
if [ "$START" = 1 ]; then
	start_f2b
	echo
	status=$(f2b_cli status 2>&1) || status=""
	[ -n "$status" ] && printf '%s\n' "$status" || warn "f2b does not answer yet: see $LOGFILE"
	# A jail whose ban action cannot start protects nothing: that is a failed install.
	unhealthy=$(printf '%s\n' "$status" | sed -n 's/^.*UNHEALTHY jail:[[:space:]]*//p')
	[ -z "$unhealthy" ] || die "f2b runs, but a jail cannot ban: $unhealthy
  (details: $BIN ${CLI_OPTS:+$CLI_OPTS }status JAIL, and $(use_systemd && echo "journalctl -u f2b" || echo "$LOGFILE")); fix it, then run ./install.sh again"
else
	say "not started (--no-start). Start it with: $(use_systemd && echo "systemctl enable --now f2b" || echo "$BIN server")"
fi
fail2ban_notice
