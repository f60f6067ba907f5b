#!/usr/bin/env bash
# A single-node Slurm on this machine, for testing profiles/slurm (tests/workflow/test_slurm.py).
# TEST FIXTURE ONLY: it advertises one GPU backed by /dev/null so that GPU requests are
# accepted on a GPU-less node, runs every daemon as root and keeps no accounting.
#
#   scripts/slurm_single_node.sh start   install slurm-wlm + munge (Debian) if missing, write
#                                        /etc/slurm/slurm.conf, start munged, slurmctld, slurmd
#                                        and wait until the node is idle
#   scripts/slurm_single_node.sh stop    cancel the fixture's jobs, stop the daemons `start`
#                                        started (and only those, by recorded pid)
#   scripts/slurm_single_node.sh status  the recorded daemons and `sinfo`
#
# All three are idempotent. Needs root (apt-get, munged as the munge user, slurmd). The config
# lives at /etc/slurm/slurm.conf, not behind SLURM_CONF: the slurm-jobstep executor plugin
# strips SLURM_* variables inside jobs, so `srun` there would not find a config elsewhere.
# No systemd: the daemons are started directly. The node is `localhost`, its partition `mvc`.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
GRES_CONF=$CONF_DIR/gres.conf
MARKER="# Written by MVC-Bench scripts/slurm_single_node.sh (test fixture; safe to delete)."
RUN_DIR=/run/mvc-slurm          # the daemons' pid files and our record of what we started
STATE_DIR=/var/lib/mvc-slurm    # slurmctld state and slurmd spool
LOG_DIR=/var/log/mvc-slurm
PARTITION=mvc
NODE=localhost

say() { echo "slurm_single_node: $*"; }
die() { echo "slurm_single_node: error: $*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages with apt-get and starts" \
    "munged, slurmctld and slurmd); rerun with sudo, or set MVC_SKIP_SLURM=1 to skip the" \
    "Slurm test"
}

install_packages() {
  local missing=()
  command -v munged >/dev/null || missing+=(munge)
  { command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
    && command -v sbatch >/dev/null; } || missing+=(slurm-wlm)
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} with your" \
    "package manager (Debian/Ubuntu packages: slurm-wlm munge)"
  say "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    apt-get update -qq || die "apt-get update failed (no network to the Debian mirror?)"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
}

# Is the pid recorded in $1 a live process named $2? (Guards against a reused pid.)
alive() {
  local pidfile=$1 name=$2 pid
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]
}

write_config() {
  if [ -e "$CONF" ] && ! grep -qxF "$MARKER" "$CONF"; then
    die "$CONF exists and was not written by this script; it looks like a real cluster's" \
      "config. Not overwriting it: use that cluster instead of this fixture."
  fi
  # `slurmd -C` prints this machine's node line: CPUs, sockets, cores, threads, RealMemory.
  local hw
  hw=$(slurmd -C | grep '^NodeName=' | sed -e 's/^NodeName=[^ ]* //' -e 's/ *UpTime=.*$//')
  [ -n "$hw" ] || die "slurmd -C printed no node line"
  mkdir -p "$CONF_DIR" "$RUN_DIR/started" "$STATE_DIR/ctld" "$STATE_DIR/d" "$LOG_DIR"
  local tmp=$CONF.tmp.$$
  cat >"$tmp" <<EOF
$MARKER
ClusterName=mvc-single-node
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE_DIR/ctld
SlurmdSpoolDir=$STATE_DIR/d
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
# No cgroups and no accounting daemon: runs in a container without systemd.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# Finished jobs stay visible to squeue and scontrol for MinJobAge seconds: the executor
# plugin's squeue status command needs at least 3x its first status-check delay (40 s by
# default), and the test reads finished jobs' requests back with scontrol.
MinJobAge=3600
GresTypes=gpu
NodeName=$NODE NodeAddr=127.0.0.1 $hw Gres=gpu:1 State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  if cmp -s "$tmp" "$CONF"; then rm -f "$tmp"; else mv "$tmp" "$CONF"; CHANGED=1; fi
  # The node's one "GPU" is /dev/null: GPU requests (--gpus / --gres=gpu:1) are accepted and
  # scheduled, nothing is attached. A test fixture only.
  printf '%s\nNodeName=%s Name=gpu File=/dev/null\n' "$MARKER" "$NODE" >"$GRES_CONF"
}

CHANGED=0

start_munged() {
  if alive "$RUN_DIR/started/munged.pid" munged; then return 0; fi
  if [ -S /run/munge/munge.socket.2 ] && munge -n </dev/null | unmunge >/dev/null 2>&1; then
    say "munged is already running (not started here; stop leaves it alone)"
    return 0
  fi
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  if [ ! -s /etc/munge/munge.key ]; then
    install -d -o munge -g munge -m 0700 /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  runuser -u munge -- /usr/sbin/munged
  cp /run/munge/munged.pid "$RUN_DIR/started/munged.pid"
  alive "$RUN_DIR/started/munged.pid" munged || die "munged did not start (see /var/log/munge)"
}

# start_daemon NAME PIDFILE ARGS...: start a Slurm daemon unless the one we started still runs.
start_daemon() {
  local name=$1 pidfile=$2
  shift 2
  if alive "$RUN_DIR/started/$name.pid" "$name"; then return 0; fi
  if pgrep -x "$name" >/dev/null; then
    die "a $name not started by this script is running; stop it first"
  fi
  "$@"
  local i
  for i in $(seq 50); do
    [ -s "$pidfile" ] && alive "$pidfile" "$name" && break
    sleep 0.2
  done
  alive "$pidfile" "$name" || die "$name did not start; see $LOG_DIR/$name.log"
  cp "$pidfile" "$RUN_DIR/started/$name.pid"
}

wait_idle() {
  local i state=""
  for i in $(seq 60); do
    state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
    case $state in
      idle*|mixed*|allocated*) say "node $NODE is $state in partition $PARTITION"; return 0 ;;
    esac
    sleep 1
  done
  die "node $NODE not idle after 60 s (state: ${state:-none}); see $LOG_DIR/slurmctld.log" \
    "and $LOG_DIR/slurmd.log"
}

start() {
  need_root
  install_packages
  write_config
  if ((CHANGED)) && alive "$RUN_DIR/started/slurmctld.pid" slurmctld; then
    say "slurm.conf changed; the running daemons reread it"
    scontrol reconfigure
  fi
  start_munged
  start_daemon slurmctld "$RUN_DIR/slurmctld.pid" slurmctld -i
  start_daemon slurmd "$RUN_DIR/slurmd.pid" slurmd -N "$NODE"
  wait_idle
}

stop_one() {
  local name=$1 record=$RUN_DIR/started/$1.pid pid i
  if alive "$record" "$name"; then
    pid=$(cat "$record")
    kill -TERM "$pid"
    for i in $(seq 100); do
      [ -d "/proc/$pid" ] || break
      sleep 0.2
    done
    if [ -d "/proc/$pid" ]; then
      say "$name ($pid) ignored SIGTERM for 20 s; sending SIGKILL"
      kill -KILL "$pid"
    fi
    say "stopped $name ($pid)"
  fi
  rm -f "$record"
}

stop() {
  need_root
  if alive "$RUN_DIR/started/slurmctld.pid" slurmctld; then
    # Only this fixture's cluster is reachable through /etc/slurm/slurm.conf (checked below).
    grep -qxF "$MARKER" "$CONF" && scancel --quiet --full --user=root 2>/dev/null || true
  fi
  stop_one slurmd
  stop_one slurmctld
  stop_one munged
}

status() {
  local name
  for name in munged slurmctld slurmd; do
    if alive "$RUN_DIR/started/$name.pid" "$name"; then
      echo "$name: running (pid $(cat "$RUN_DIR/started/$name.pid"), started by this script)"
    else
      echo "$name: not started by this script"
    fi
  done
  if command -v sinfo >/dev/null && alive "$RUN_DIR/started/slurmctld.pid" slurmctld; then
    sinfo
  fi
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
