#!/usr/bin/env bash
# Start, stop and inspect the real test services for the integration tests:
#   - FerretDB (MongoDB wire protocol, SQLite backend), built from services/ferretdb
#   - Elasticsearch, from the integ-test-zip distribution on Maven Central
# No Docker needed. With Docker, docker-compose.yml offers MongoDB + Elasticsearch instead.
#
# Usage:
#   scripts/services.sh start    # idempotent; prints the export lines on stdout at the end
#   scripts/services.sh stop     # SIGTERM, then SIGKILL after a timeout
#   scripts/services.sh status   # exit 0 only when both are up
#   scripts/services.sh env      # print just the export lines
#   eval "$(scripts/services.sh start)"   # start and export ARCHIVE_TEST_MONGO_URI / ARCHIVE_TEST_ES_URL
#
# Environment (all optional):
#   ARCHIVE_SERVICES_CACHE   cache for the ferretdb binary and the ES zip/unpacked ES
#                            (default $HOME/.cache/archive-services)
#   ARCHIVE_SERVICES_STATE   data, logs and pid files (default /tmp/archive-services)
#   ARCHIVE_FERRET_PORT      FerretDB port (default 27017)
#   ARCHIVE_ES_PORT          Elasticsearch HTTP port (default 9200; its transport port is this + 100)
#   ARCHIVE_ES_VERSION       integ-test-zip version (default below)
#   ARCHIVE_ES_JAVA_HOME     JDK for Elasticsearch (default: Java 21+ for ES 9, system JDK for ES 8)
#   ARCHIVE_ES_JAVA_OPTS     ES_JAVA_OPTS for Elasticsearch (default "-Xms512m -Xmx512m")
#   ARCHIVE_ES_USER          system user that runs ES when we are root (default archive-es)
#   ARCHIVE_SERVICES_TIMEOUT seconds to wait for each service to become ready (default 180)
#   ARCHIVE_SERVICES_ONLY    "ferretdb" or "es" to handle only one of the two
#
# Progress goes to stderr; only the export lines go to stdout.
set -euo pipefail
shopt -s inherit_errexit

# The integ-test zip is published on Maven Central only up to 8.19.x (no 9.x as of 2026-10,
# see the maven-metadata.xml of org.elasticsearch.distribution.integ-test-zip:elasticsearch).
ES_VERSION_DEFAULT=8.19.21

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FERRET_SRC="$REPO_ROOT/services/ferretdb"

CACHE="${ARCHIVE_SERVICES_CACHE:-$HOME/.cache/archive-services}"
STATE="${ARCHIVE_SERVICES_STATE:-/tmp/archive-services}"
FERRET_PORT="${ARCHIVE_FERRET_PORT:-27017}"
ES_PORT="${ARCHIVE_ES_PORT:-9200}"
ES_VERSION="${ARCHIVE_ES_VERSION:-$ES_VERSION_DEFAULT}"
ES_USER="${ARCHIVE_ES_USER:-archive-es}"
TIMEOUT="${ARCHIVE_SERVICES_TIMEOUT:-180}"
ONLY="${ARCHIVE_SERVICES_ONLY:-}"
STOP_TIMEOUT=30

HOST=127.0.0.1
MONGO_URI="mongodb://$HOST:$FERRET_PORT/"
ES_URL="http://$HOST:$ES_PORT"

FERRET_STATE="$STATE/ferretdb"
FERRET_PIDFILE="$FERRET_STATE/ferretdb.pid"
FERRET_LOG="$FERRET_STATE/ferretdb.log"
ES_STATE="$STATE/elasticsearch"
ES_PIDFILE="$ES_STATE/run/elasticsearch.pid"
ES_LOGDIR="$ES_STATE/logs"
ES_CONSOLE_LOG="$ES_LOGDIR/console.log"
FERRET_PATTERN="ferretdb-"
ES_PATTERN="org.elasticsearch"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

want() { [[ -z "$ONLY" || "$ONLY" == "$1" ]]; }

print_env() {
	echo "export ARCHIVE_TEST_MONGO_URI=$MONGO_URI"
	echo "export ARCHIVE_TEST_ES_URL=$ES_URL"
}

# ---------------------------------------------------------------- helpers

port_open() { # host port
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

pid_alive() { # pidfile [pattern]: the pid is alive (and its command line contains pattern)
	local pid
	[[ -s "$1" ]] || return 1
	pid="$(cat "$1" 2>/dev/null)" || return 1
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	# guard against a stale pid file whose pid was reused by an unrelated process
	[[ -z "${2:-}" ]] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

stop_pidfile() { # name pidfile pattern
	local name="$1" pidfile="$2" pattern="$3" pid i
	if ! pid_alive "$pidfile" "$pattern"; then
		rm -f "$pidfile"
		log "$name: not running"
		return 0
	fi
	pid="$(cat "$pidfile")"
	log "$name: stopping pid $pid (SIGTERM)"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$name: still alive after ${STOP_TIMEOUT}s, SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.5
	fi
	rm -f "$pidfile"
	log "$name: stopped"
}

cache_locked() { # command... : run it holding the cache lock (the cache is shared by all state dirs)
	mkdir -p "$CACHE"
	if command -v flock >/dev/null; then
		(
			flock -w 1800 8 || die "timeout waiting for $CACHE/.lock"
			"$@"
		) 8>"$CACHE/.lock"
	else
		"$@"
	fi
}

hash_files() {
	cat "$@" | sha256sum | cut -c1-16
}

# ---------------------------------------------------------------- FerretDB

ferret_ping() {
	port_open "$HOST" "$FERRET_PORT" || return 1
	if python3 -c 'import pymongo' 2>/dev/null; then
		python3 - "$MONGO_URI" <<'PY' >/dev/null 2>&1
import sys, pymongo
c = pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=2000, connectTimeoutMS=2000)
assert c.admin.command("ping").get("ok") == 1.0
PY
	fi
}

ferret_binary() {
	# Prints the path of a ferretdb binary built from the current sources (cached by hash).
	local h bin
	[[ -f "$FERRET_SRC/go.mod" && -f "$FERRET_SRC/main.go" ]] || die "missing $FERRET_SRC/{go.mod,main.go}"
	command -v go >/dev/null || die "go is needed to build services/ferretdb"
	h="$(hash_files "$FERRET_SRC/go.mod" "$FERRET_SRC/go.sum" "$FERRET_SRC/main.go"; go env GOVERSION)"
	h="$(printf '%s' "$h" | sha256sum | cut -c1-16)"
	bin="$CACHE/ferretdb/ferretdb-$h"
	[[ -x "$bin" ]] || cache_locked ferret_build "$bin" "$h" || die "ferretdb: build failed"
	printf '%s\n' "$bin"
}

ferret_build() { # bin hash ; called with the cache lock held
	local bin="$1" h="$2" tmp
	[[ -x "$bin" ]] && return 0
	mkdir -p "$CACHE/ferretdb"
	log "ferretdb: building $bin (first time for these sources; 1-3 minutes on 2 cores)"
	tmp="$bin.tmp.$$"
	(cd "$FERRET_SRC" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$tmp" .) >&2 ||
		{ rm -f "$tmp"; die "ferretdb: go build failed"; }
	mv -f "$tmp" "$bin"
	# drop binaries of other sources not used for a week
	find "$CACHE/ferretdb" -maxdepth 1 -name 'ferretdb-*' ! -name "ferretdb-$h" -mtime +7 -delete 2>/dev/null || true
}

ferret_start() {
	local bin pid deadline
	if pid_alive "$FERRET_PIDFILE" "$FERRET_PATTERN" && ferret_ping; then
		log "ferretdb: already running (pid $(cat "$FERRET_PIDFILE")) on $HOST:$FERRET_PORT"
		return 0
	fi
	if ! pid_alive "$FERRET_PIDFILE" "$FERRET_PATTERN" && port_open "$HOST" "$FERRET_PORT"; then
		die "ferretdb: port $HOST:$FERRET_PORT is in use by another process (set ARCHIVE_FERRET_PORT)"
	fi
	bin="$(ferret_binary)"
	if ! pid_alive "$FERRET_PIDFILE" "$FERRET_PATTERN"; then
		mkdir -p "$FERRET_STATE/data"
		log "ferretdb: starting on $HOST:$FERRET_PORT (data $FERRET_STATE/data, log $FERRET_LOG)"
		nohup "$bin" --listen "$HOST:$FERRET_PORT" --sqlite-dir "$FERRET_STATE/data" \
			>>"$FERRET_LOG" 2>&1 </dev/null 9>&- &
		pid=$!
		echo "$pid" >"$FERRET_PIDFILE"
	fi
	deadline=$((SECONDS + TIMEOUT))
	until ferret_ping; do
		# a process we just started may not have exec'd yet (its command line is still ours),
		# so for it only liveness counts; the pattern guards pid files found from earlier runs
		if { [[ -n "${pid:-}" ]] && ! kill -0 "$pid" 2>/dev/null; } ||
			{ [[ -z "${pid:-}" ]] && ! pid_alive "$FERRET_PIDFILE" "$FERRET_PATTERN"; }; then
			tail -n 30 "$FERRET_LOG" >&2 || true
			rm -f "$FERRET_PIDFILE"
			die "ferretdb: process exited during start"
		fi
		if ((SECONDS >= deadline)); then
			tail -n 30 "$FERRET_LOG" >&2 || true
			die "ferretdb: not ready after ${TIMEOUT}s"
		fi
		sleep 0.2
	done
	log "ferretdb: ready (pid $(cat "$FERRET_PIDFILE"))"
}

# ---------------------------------------------------------------- Elasticsearch

es_major() { printf '%s\n' "${ES_VERSION%%.*}"; }

es_java_home() {
	local j
	if [[ -n "${ARCHIVE_ES_JAVA_HOME:-}" ]]; then
		printf '%s\n' "$ARCHIVE_ES_JAVA_HOME"
		return
	fi
	if (($(es_major) >= 9)); then
		# ES 9 needs Java 21+
		for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 \
			/usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
			[[ -x "$j/bin/java" ]] && { printf '%s\n' "$j"; return; }
		done
		die "elasticsearch $ES_VERSION needs Java 21+: set ARCHIVE_ES_JAVA_HOME"
	fi
	# ES 8 runs on Java 17+: the system JDK
	j="$(command -v java)" || die "no java on PATH: set ARCHIVE_ES_JAVA_HOME"
	j="$(readlink -f "$j")"
	printf '%s\n' "${j%/bin/java}"
}

es_health() { # [query string]
	curl -sf --max-time 10 "$ES_URL/_cluster/health${1:-}" 2>/dev/null
}

es_ready_wait() { # blocks up to 5 s server-side
	local out
	out="$(es_health "?wait_for_status=yellow&timeout=5s")" || return 1
	[[ "$out" == *'"status":"green"'* || "$out" == *'"status":"yellow"'* ]]
}

es_ready() {
	local out
	out="$(es_health)" || return 1
	[[ "$out" == *'"status":"green"'* || "$out" == *'"status":"yellow"'* ]]
}

mvn_quiet() { # mvn args... : output (errors only) to stderr, without colour codes
	mvn -B -q -Dstyle.color=never "$@" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' >&2
}

es_zip() {
	# Prints the path of the cached integ-test zip, fetching it from Maven Central if needed.
	# Called with the cache lock held.
	local dir="$CACHE/elasticsearch" zip art m2 dl
	zip="$dir/elasticsearch-$ES_VERSION.zip"
	if [[ ! -s "$zip" ]]; then
		command -v mvn >/dev/null || die "mvn is needed to fetch Elasticsearch"
		mkdir -p "$dir"
		art="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
		dl="$dir/download.$$"
		rm -rf "$dl"
		log "elasticsearch: fetching $art from Maven Central"
		if mvn_quiet org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
			-Dartifact="$art" -DoutputDirectory="$dl" && [[ -s "$dl/elasticsearch-$ES_VERSION.zip" ]]; then
			mv -f "$dl/elasticsearch-$ES_VERSION.zip" "$zip"
		else
			log "elasticsearch: dependency:copy failed, trying dependency:get"
			mvn_quiet org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get \
				-Dartifact="$art" -Dtransitive=false || { rm -rf "$dl"; die "elasticsearch: cannot fetch $art"; }
			m2="$HOME/.m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip"
			[[ -s "$m2" ]] || { rm -rf "$dl"; die "elasticsearch: $m2 not found after dependency:get"; }
			cp -f "$m2" "$zip.tmp.$$" && mv -f "$zip.tmp.$$" "$zip"
		fi
		rm -rf "$dl"
		[[ -s "$zip" ]] || die "elasticsearch: $zip missing after download"
	fi
	printf '%s\n' "$zip"
}

es_home_cached() {
	# Prints the unpacked ES directory in the cache, fetching and unpacking it if needed.
	local home="$CACHE/elasticsearch/elasticsearch-$ES_VERSION"
	[[ -f "$home/.unpacked" ]] || cache_locked es_unpack "$home" || die "elasticsearch: fetch/unpack failed"
	printf '%s\n' "$home"
}

es_unpack() { # home ; called with the cache lock held
	local home="$1" dir="$CACHE/elasticsearch" zip tmp
	[[ -f "$home/.unpacked" ]] && return 0
	zip="$(es_zip)" || exit 1
	command -v unzip >/dev/null || die "unzip is needed"
	log "elasticsearch: unpacking $zip"
	tmp="$dir/unpack.$$"
	rm -rf "$tmp" "$home"
	mkdir -p "$tmp"
	unzip -q "$zip" -d "$tmp" || { rm -rf "$tmp"; die "elasticsearch: unzip failed"; }
	mv "$tmp/elasticsearch-$ES_VERSION" "$home"
	rm -rf "$tmp"
	chmod -R a+rX "$home"
	touch "$home/.unpacked"
}

es_run_as_user() { [[ $EUID -eq 0 ]]; }

es_ensure_user() {
	id -u "$ES_USER" >/dev/null 2>&1 && return 0
	log "elasticsearch: creating system user $ES_USER (ES refuses to run as root)"
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		--user-group "$ES_USER" >&2 || die "cannot create user $ES_USER"
}

es_as() { # command... : run as the ES user when we are root
	if es_run_as_user; then
		runuser -u "$ES_USER" -- "$@"
	else
		"$@"
	fi
}

es_home() {
	# The ES user must be able to read ES_HOME. The cache usually lives under /root (mode 700),
	# so when it cannot, use a world-readable copy in the state dir (a ~1 s copy).
	local home copy
	home="$(es_home_cached)"
	if es_run_as_user && ! es_as test -r "$home/lib/elasticsearch-$ES_VERSION.jar" 2>/dev/null; then
		copy="$STATE/elasticsearch-$ES_VERSION"
		if [[ ! -f "$copy/.unpacked" ]]; then
			log "elasticsearch: $ES_USER cannot read $home; copying it to $copy"
			rm -rf "$copy"
			mkdir -p "$STATE"
			cp -a "$home" "$copy.tmp.$$" && mv "$copy.tmp.$$" "$copy"
			chmod a+rx "$STATE"
		fi
		home="$copy"
	fi
	printf '%s\n' "$home"
}

es_start() {
	local home java_home deadline cli_pid
	if pid_alive "$ES_PIDFILE" "$ES_PATTERN" && es_ready; then
		log "elasticsearch: already running (pid $(cat "$ES_PIDFILE")) at $ES_URL"
		return 0
	fi
	if ! pid_alive "$ES_PIDFILE" "$ES_PATTERN" && port_open "$HOST" "$ES_PORT"; then
		die "elasticsearch: port $HOST:$ES_PORT is in use by another process (set ARCHIVE_ES_PORT)"
	fi
	command -v curl >/dev/null || die "curl is needed"
	java_home="$(es_java_home)"
	[[ -x "$java_home/bin/java" ]] || die "no java at $java_home"
	es_run_as_user && es_ensure_user
	home="$(es_home)"

	if ! pid_alive "$ES_PIDFILE" "$ES_PATTERN"; then
		mkdir -p "$ES_STATE/data" "$ES_LOGDIR" "$ES_STATE/run"
		# Own config dir (ES writes its keystore there), fresh from the distribution each start.
		rm -rf "$ES_STATE/config"
		cp -a "$home/config" "$ES_STATE/config"
		chmod a+rx "$STATE"
		if es_run_as_user; then
			chown -R "$ES_USER:" "$ES_STATE"
		fi
		log "elasticsearch: starting $ES_VERSION on $ES_URL (java $java_home, data $ES_STATE/data, logs $ES_LOGDIR)"
		(
			cd "$ES_STATE"
			export ES_JAVA_HOME="$java_home"
			export ES_PATH_CONF="$ES_STATE/config"
			export ES_JAVA_OPTS="${ARCHIVE_ES_JAVA_OPTS:--Xms512m -Xmx512m}"
			unset JAVA_HOME
			exec </dev/null >>"$ES_CONSOLE_LOG" 2>&1 9>&-
			es_as env ES_JAVA_HOME="$ES_JAVA_HOME" ES_PATH_CONF="$ES_PATH_CONF" ES_JAVA_OPTS="$ES_JAVA_OPTS" \
				"$home/bin/elasticsearch" -d -p "$ES_PIDFILE" \
				-Ediscovery.type=single-node \
				-Enetwork.host="$HOST" \
				-Ehttp.port="$ES_PORT" \
				-Etransport.port="$((ES_PORT + 100))" \
				-Expack.security.enabled=false \
				-Epath.data="$ES_STATE/data" \
				-Epath.logs="$ES_LOGDIR" \
				-Ecluster.routing.allocation.disk.threshold_enabled=false \
				-Eaction.destructive_requires_name=false
		) &
		cli_pid=$!
	fi

	deadline=$((SECONDS + TIMEOUT))
	until es_ready_wait; do
		if [[ -n "${cli_pid:-}" ]] && ! kill -0 "$cli_pid" 2>/dev/null; then
			# the launcher returned: fine if it detached a live server, fatal otherwise
			wait "$cli_pid" 2>/dev/null || {
				es_fail_logs
				die "elasticsearch: launcher failed"
			}
			cli_pid=
		fi
		if [[ -z "${cli_pid:-}" ]] && ! pid_alive "$ES_PIDFILE" "$ES_PATTERN"; then
			es_fail_logs
			die "elasticsearch: server exited during start"
		fi
		if ((SECONDS >= deadline)); then
			es_fail_logs
			die "elasticsearch: not ready after ${TIMEOUT}s (still running; 'scripts/services.sh stop' to stop it)"
		fi
		sleep 1
	done
	if [[ -n "${cli_pid:-}" ]]; then
		wait "$cli_pid" 2>/dev/null || true
	fi
	log "elasticsearch: ready (pid $(cat "$ES_PIDFILE" 2>/dev/null || echo '?'))"
}

es_fail_logs() {
	local f
	for f in "$ES_CONSOLE_LOG" "$ES_LOGDIR/elasticsearch.log"; do
		[[ -s "$f" ]] || continue
		log "---- tail of $f"
		tail -n 40 "$f" >&2 || true
	done
}

# ---------------------------------------------------------------- commands

with_lock() {
	mkdir -p "$STATE"
	if command -v flock >/dev/null; then
		exec 9>"$STATE/.lock"
		flock -w "$((TIMEOUT + 60))" 9 || die "another services.sh holds $STATE/.lock"
	fi
}

cmd_start() {
	local t0=$SECONDS
	with_lock
	want ferretdb && ferret_start
	want es && es_start
	log "all up in $((SECONDS - t0))s"
	print_env
}

cmd_stop() {
	with_lock
	want es && stop_pidfile elasticsearch "$ES_PIDFILE" "$ES_PATTERN"
	want ferretdb && stop_pidfile ferretdb "$FERRET_PIDFILE" "$FERRET_PATTERN"
	return 0
}

service_status() {  # name pidfile pattern ping-command url
	if pid_alive "$2" "$3" && $4; then
		echo "$1: up (pid $(cat "$2")) $5"
	elif pid_alive "$2" "$3"; then
		echo "$1: starting or unhealthy (pid $(cat "$2")) $5"; return 1
	else
		echo "$1: down"; return 1
	fi
}

cmd_status() {
	local rc=0
	if want ferretdb; then
		service_status ferretdb "$FERRET_PIDFILE" "$FERRET_PATTERN" ferret_ping "$MONGO_URI" || rc=1
	fi
	if want es; then
		service_status elasticsearch "$ES_PIDFILE" "$ES_PATTERN" es_ready "$ES_URL" || rc=1
	fi
	return $rc
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) print_env ;;
*)
	echo "usage: $0 start|stop|status|env" >&2
	exit 2
	;;
esac
