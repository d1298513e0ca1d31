#!/usr/bin/env bash
# Bring up the STOMP brokers the queue contract suite runs against (idempotent; run as root on
# Debian 12 where RabbitMQ already runs on 127.0.0.1:5672). See docs/brokers.md.
#
#   scripts/brokers.sh [start]          RabbitMQ STOMP on 127.0.0.1:61613, ActiveMQ STOMP on 127.0.0.1:61614
#   scripts/brokers.sh status           which STOMP ports answer
#   scripts/brokers.sh restart-rabbitmq stop and start the RabbitMQ application (durable queues survive)
#   scripts/brokers.sh restart-activemq stop and start the ActiveMQ instance `main`
set -euo pipefail

RABBIT_STOMP_PORT=61613
AMQ_STOMP_PORT=61614
AMQ_INSTANCE=main
AMQ_AVAILABLE=/etc/activemq/instances-available/$AMQ_INSTANCE
AMQ_ENABLED=/etc/activemq/instances-enabled/$AMQ_INSTANCE
# The Debian start script runs the broker with activemq.base=/var/lib/activemq (not .../main), so
# data, KahaDB and activemq.log live in /var/lib/activemq/data, which the package leaves root-owned.
AMQ_BASE=/var/lib/activemq

say() { echo "brokers: $*"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {  # wait_port PORT SECONDS NAME
  local port=$1 seconds=$2 name=$3
  for _ in $(seq 1 $((seconds * 4))); do
    if port_open "$port"; then say "$name answers on 127.0.0.1:$port"; return 0; fi
    sleep 0.25
  done
  say "$name did NOT answer on 127.0.0.1:$port within ${seconds}s" >&2
  return 1
}

need_root() {
  if [ "$(id -u)" != 0 ]; then say "run as root (it installs and configures system services)" >&2; exit 1; fi
}

# -- RabbitMQ -----------------------------------------------------------------------------------

rabbitmq_start() {
  if ! port_open 5672; then
    say "RabbitMQ is not running on 5672; starting it"
    /etc/init.d/rabbitmq-server start || service rabbitmq-server start
    wait_port 5672 60 "RabbitMQ AMQP"
  fi
  # Bind STOMP to loopback like the AMQP listener. It takes effect at the next node boot; a plugin
  # enabled at run time listens on the default (all interfaces, guest is loopback-only anyway).
  local conf=/etc/rabbitmq/rabbitmq.conf
  if [ -f "$conf" ] && ! grep -q '^stomp.listeners.tcp' "$conf"; then
    echo "stomp.listeners.tcp.1 = 127.0.0.1:$RABBIT_STOMP_PORT" >>"$conf"
  fi
  if ! port_open "$RABBIT_STOMP_PORT"; then
    rabbitmq-plugins enable rabbitmq_stomp >/dev/null
  fi
  wait_port "$RABBIT_STOMP_PORT" 60 "RabbitMQ STOMP"
}

rabbitmq_restart() {
  # stop_app/start_app restarts the broker application for real (every connection is dropped,
  # queues are stopped and recovered from disk) in seconds, without restarting the Erlang VM.
  rabbitmqctl stop_app >/dev/null
  rabbitmqctl start_app >/dev/null
  wait_port "$RABBIT_STOMP_PORT" 60 "RabbitMQ STOMP"
}

# -- ActiveMQ -----------------------------------------------------------------------------------

activemq_install() {
  if [ ! -x /etc/init.d/activemq ]; then
    say "installing activemq (Debian package)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q activemq >/dev/null; then
      apt-get update -q >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q activemq >/dev/null
    fi
  fi
}

activemq_configure() {
  local xml=$AMQ_AVAILABLE/activemq.xml
  # The Debian instance `main` only has an OpenWire connector: add STOMP. Without tcpNoDelay
  # consuming with prefetch 1 drops to ~23 msg/s (Nagle against delayed ACKs).
  if ! grep -q 'name="stomp"' "$xml"; then
    sed -i "s#\(\s*\)<transportConnector name=\"openwire\"\([^>]*\)/>#&\n\1<transportConnector name=\"stomp\" uri=\"stomp://127.0.0.1:$AMQ_STOMP_PORT?transport.tcpNoDelay=true\"/>#" "$xml"
    grep -q 'name="stomp"' "$xml" || { say "could not add the STOMP connector to $xml" >&2; exit 1; }
  fi
  # Per-instance options (sourced by the init script after the global ones): a smaller heap on a
  # shared CI machine, and a short start pause (we wait for the port ourselves).
  cat >"$AMQ_AVAILABLE/options" <<'EOF'
STARTTIME=1
ACTIVEMQ_OPTS="-Xms64M -Xmx384M -Dorg.apache.activemq.UseDedicatedTaskRunner=true"
EOF
  [ -L "$AMQ_ENABLED" ] || ln -sfn "$AMQ_AVAILABLE" "$AMQ_ENABLED"
  # Data and log folder (log4j writes to ${activemq.data}) must be writable by the daemon user.
  mkdir -p "$AMQ_BASE/data" "$AMQ_BASE/tmp" /var/run/activemq
  chown -R activemq: "$AMQ_BASE/data" "$AMQ_BASE/tmp" /var/run/activemq
  if ! su -s /bin/sh activemq -c "test -w '$AMQ_BASE/data'"; then
    say "$AMQ_BASE/data is not writable by user activemq" >&2; exit 1
  fi
}

AMQ_PIDFILE=/var/run/activemq/$AMQ_INSTANCE.pid

# The init script's own "running" check never matches (it compares basename(activemq.base), which
# is "activemq", with the instance name), so its stop returns while the JVM is still shutting
# down and a start right after it sees the old pid and does nothing. Check the pid ourselves.
activemq_pid() {
  local pid
  pid=$(cat "$AMQ_PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && echo "$pid"
}

activemq_launch() {
  activemq_pid >/dev/null || rm -f "$AMQ_PIDFILE"  # a stale pidfile blocks start-stop-daemon
  /etc/init.d/activemq start >/dev/null 2>&1 || true
}

activemq_start() {
  activemq_install
  activemq_configure
  if ! port_open "$AMQ_STOMP_PORT"; then
    activemq_launch
  fi
  if ! wait_port "$AMQ_STOMP_PORT" 90 "ActiveMQ STOMP"; then
    say "start errors: run '/etc/init.d/activemq console $AMQ_INSTANCE' (the Debian log4j setup writes no log file)" >&2
    return 1
  fi
}

activemq_restart() {
  local pid
  if pid=$(activemq_pid); then
    kill -TERM "$pid"  # what the init script's stop does, then wait for the JVM to exit
    for _ in $(seq 1 120); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
    if [ -d "/proc/$pid" ]; then say "ActiveMQ (pid $pid) did not stop in 30s; killing it"; kill -KILL "$pid"; fi
  fi
  activemq_launch
  wait_port "$AMQ_STOMP_PORT" 90 "ActiveMQ STOMP"
}

status() {
  local rc=0
  for pair in "RabbitMQ:$RABBIT_STOMP_PORT" "ActiveMQ:$AMQ_STOMP_PORT"; do
    if port_open "${pair#*:}"; then say "${pair%%:*} STOMP up on 127.0.0.1:${pair#*:}"
    else say "${pair%%:*} STOMP DOWN on 127.0.0.1:${pair#*:}"; rc=1; fi
  done
  return $rc
}

case "${1:-start}" in
  start) need_root; rabbitmq_start; activemq_start ;;
  status) status ;;
  restart-rabbitmq) need_root; rabbitmq_restart ;;
  restart-activemq) need_root; activemq_restart ;;
  *) echo "usage: $0 [start|status|restart-rabbitmq|restart-activemq]" >&2; exit 2 ;;
esac
