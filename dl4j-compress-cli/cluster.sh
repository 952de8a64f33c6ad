#!/usr/bin/env bash
# cluster.sh: a Spark standalone cluster of network-namespace hosts on one machine, with shaped links.
#
#   dl4j-compress-cli/cluster.sh up   [--hosts N] [--rate 100mbit] [--no-spark]
#   dl4j-compress-cli/cluster.sh run  [--hosts N] [--rate R] -- "<dl4jc job>" ...   (up, jobs, down)
#   dl4j-compress-cli/cluster.sh hold [--hosts N] [--rate R] [--no-spark]   (up, wait for Ctrl-C/TERM, down)
#   dl4j-compress-cli/cluster.sh shape <rate>          (re-shape every host link of a running cluster)
#   dl4j-compress-cli/cluster.sh cut <host> <seconds>  (fault: host's link down for that long, then up)
#   dl4j-compress-cli/cluster.sh down                  (idempotent: removes whatever is left)
#   RATES=100mbit,1gbit MODES=averaging1,terngradPerLayer dl4j-compress-cli/cluster.sh measure --hosts 2 -- "--epochs 3"
#                                                      (per rate: up, one spark-terngrad job per mode, down)
#   FAULT=cut:1:5:20 ... measure ...                   (each job: host 1's link cut 5 s after epoch 1's checkpoint, for 20 s)
#   FAULT=killexec:1:5 ... measure ...                 (each job: host 1's executor JVM killed 5 s after epoch 1's checkpoint)
#   FAULT=killdriver:5 ... measure ...                 (each job: the driver killed 5 s after epoch 1's checkpoint, then
#                                                       the same job submitted again with --resume)
#   FAULT=rogue:0:40 ... measure ...                   (each job: a rogue in namespace ${NAME}-h9 joins the job's Aeron mesh
#                                                       at epoch 1's checkpoint and sends forged, replayed and corrupted
#                                                       envelopes for 40 s; what it sent in <out>/rogue.json)
#   Fault jobs save a checkpoint per epoch (--checkpoint-dir <out>/checkpoint) and give up on an epoch after
#   EPOCH_TIMEOUT s (default 240) with a message and exit status 3 (--epoch-timeout) instead of hanging.
#
# Layout: a bridge ${NAME}br (10.$NET.0.1/24) in the root namespace, where the Spark Master and the driver run;
# host i (1..N, N <= 4) is namespace ${NAME}-h$i with veth ${NAME}v$i (root side, on the bridge) <-> eth0
# (10.$NET.0.1$i), its own loopback, and one Spark Worker (1 core, --memory $WORKER_MEM) whose executor JVM
# therefore has its own network stack and address. Each host link is shaped in both directions with a tbf token
# bucket at rate R (on ${NAME}v$i towards the host and on the host's eth0 towards the bridge), so every byte between
# hosts and driver crosses a shaped link. No delay is added: this machine's kernel has tbf and htb but no netem
# (nor fq/cake/prio), so the issue's 0.2 ms cannot be set; the veth adds microseconds. Traffic goes only to these addresses (no route, no NAT, no
# forwarding to anything else).
# Spark: spark.authenticate=true with a secret generated per cluster (openssl rand), spark.network.crypto.enabled
# (so the secret-protected channel also carries per-layer TernGrad's MAC key encrypted); the secret lives only in
# $STATE/spark-defaults.conf (mode 600), read by Master, Workers (--properties-file) and the driver; Workers hand it
# to their executors. Teardown (trap on EXIT, INT, TERM, also after a failure): kill the JVMs this script started
# (recorded PIDs, and every process left in the host namespaces), delete namespaces (their veths go with them),
# veths and bridge; `down` does the same from the names alone, so it also cleans up after a crash.
# Needs root, `ip netns`, veth, bridge and `tc tbf`; refuses clearly otherwise.
# Environment: NAME (default dlc), NET (second octet, default 77), WORK (default dl4j-compress-cli/target/cluster),
# WORKER_MEM (default 1200m), SKIP_BUILD=1, MVN_ARGS (e.g. -Dmaven.repo.local=...), JOB_TIMEOUT (s, default 1800), RATES and MODES (measure),
# JAVA_EXTRA (JVM options for the driver and the executors, e.g. -Ddl4jcompress.terngrad.kernel=scalar).
# LOAD_SAMPLE (s, default 10; 0: off): before each job, how many cores the machine's other processes use while no job
# of ours runs (machine busy CPU minus this cluster's processes' CPU over that many seconds), for cluster-report;
# the 1-minute load average then is recorded too (their demand, which can exceed the cores).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME="${NAME:-dlc}"
NET="${NET:-77}"
WORK="$(mkdir -p "${WORK:-$here/dl4j-compress-cli/target/cluster}" && cd "${WORK:-$here/dl4j-compress-cli/target/cluster}" && pwd)"
STATE="$WORK/state-$NAME"
BRIDGE="${NAME}br"
SUBNET="10.$NET.0"
MASTER_IP="$SUBNET.1"
PORT=7077
WORKER_MEM="${WORKER_MEM:-1200m}"
JOB_TIMEOUT="${JOB_TIMEOUT:-1800}"
LOAD_SAMPLE="${LOAD_SAMPLE:-10}"

log() { echo "== $(date -u +%H:%M:%S) $*" >&2; }
die() { echo "cluster.sh: $*" >&2; exit 2; }

host_ns() { echo "${NAME}-h$1"; }
host_veth() { echo "${NAME}v$1"; }
host_ip() { echo "$SUBNET.1$1"; }

require_namespaces() {
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, veth, bridge, tc); run as root or with sudo"
  command -v ip > /dev/null || die "needs iproute2 (ip)"
  command -v tc > /dev/null || die "needs tc (iproute2)"
  command -v jq > /dev/null || die "needs jq"
  local probe="${NAME}-probe"
  ip netns add "$probe" 2> /dev/null || die "network namespaces are unavailable here ('ip netns add' failed)"
  ip netns del "$probe"
}

# --- Aeron directories ----------------------------------------------------------------------------------------------
# DL4J's embedded Aeron media driver maps a directory /dev/shm/aeron-<user>-<uuid> (~0.5-1 GB) per JVM and leaves it
# behind when the JVM is killed. The ones this script's JVMs use are noted while they run (from /proc/<pid>/maps) and
# removed once no process maps them any more; directories of other people's JVMs are never noted, so never touched.
note_aeron_dirs() { # pid...: add the Aeron directories these processes map to $STATE/aeron-dirs
  local pid
  { for pid in "$@"; do grep -o '/dev/shm/aeron-[^/ ]*' "/proc/$pid/maps" 2> /dev/null || true; done; } \
    | sort -u >> "$STATE/aeron-dirs" 2> /dev/null || true
  return 0
}

cluster_pids() { # every process in this cluster's namespaces, the recorded JVMs and the current job's driver JVM
  local ns tpid
  for ns in $(ip netns list 2> /dev/null | awk '{print $1}' | grep -E "^${NAME}-h[0-9]+$"); do ip netns pids "$ns" 2> /dev/null; done
  [ -f "$STATE/pids" ] && cat "$STATE/pids"
  tpid="$(cat "$STATE/job.pid" 2> /dev/null)"
  [ -n "$tpid" ] && ps -o pid= --ppid "$tpid" 2> /dev/null
  return 0
}

remove_aeron_dirs() { # remove the noted Aeron directories that no process maps any more
  [ -f "$STATE/aeron-dirs" ] || return 0
  local d kept=() removed=0
  for d in $(sort -u "$STATE/aeron-dirs"); do
    [ -d "$d" ] || continue
    case "$d" in /dev/shm/aeron-*) ;; *) continue ;; esac
    if fuser -s "$d/cnc.dat" 2> /dev/null || fuser -s "$d"/*/* 2> /dev/null; then kept+=("$d"); else rm -rf "$d" && removed=$((removed + 1)); fi
  done
  printf '%s\n' "${kept[@]}" | { grep . || true; } > "$STATE/aeron-dirs.tmp"; mv "$STATE/aeron-dirs.tmp" "$STATE/aeron-dirs"
  [ "$removed" -gt 0 ] && log "removed $removed Aeron director$([ "$removed" = 1 ] && echo y || echo ies) of this cluster's JVMs from /dev/shm"
  return 0
}

# --- teardown ---------------------------------------------------------------------------------------------------------
# Idempotent; uses only names derived from NAME and PIDs this script recorded.
down() {
  set +e
  [ -d "$STATE" ] && note_aeron_dirs $(cluster_pids)
  if [ -f "$STATE/pids" ]; then
    while read -r pid; do kill "$pid" 2> /dev/null; done < "$STATE/pids"
  fi
  for ns in $(ip netns list 2> /dev/null | awk '{print $1}' | grep -E "^${NAME}-h[0-9]+$"); do
    for pid in $(ip netns pids "$ns" 2> /dev/null); do kill "$pid" 2> /dev/null; done
  done
  # give JVMs 10 s to exit, then force
  for _ in $(seq 50); do
    alive=0
    if [ -f "$STATE/pids" ]; then
      while read -r pid; do kill -0 "$pid" 2> /dev/null && alive=1; done < "$STATE/pids"
    fi
    for ns in $(ip netns list 2> /dev/null | awk '{print $1}' | grep -E "^${NAME}-h[0-9]+$"); do
      [ -n "$(ip netns pids "$ns" 2> /dev/null)" ] && alive=1
    done
    [ "$alive" -eq 0 ] && break
    sleep 0.2
  done
  if [ -f "$STATE/pids" ]; then
    while read -r pid; do kill -9 "$pid" 2> /dev/null; done < "$STATE/pids"
  fi
  for ns in $(ip netns list 2> /dev/null | awk '{print $1}' | grep -E "^${NAME}-h[0-9]+$"); do
    for pid in $(ip netns pids "$ns" 2> /dev/null); do kill -9 "$pid" 2> /dev/null; done
    ip netns del "$ns" 2> /dev/null
  done
  for v in $(ip -o link show 2> /dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^${NAME}v[0-9]+$"); do
    ip link del "$v" 2> /dev/null
  done
  ip link show "$BRIDGE" > /dev/null 2>&1 && ip link del "$BRIDGE" 2> /dev/null
  remove_aeron_dirs
  rm -f "$STATE/pids" "$STATE/spark-defaults.conf" "$STATE/job.pid"
  set -e
  log "down: no ${NAME}-h* namespace, ${NAME}v* veth, $BRIDGE bridge, recorded JVM or Aeron directory of them left"
}

# --- bring-up ---------------------------------------------------------------------------------------------------------
rate_bits() { # 100mbit, 1gbit, 10gbit, 500kbit -> bits per second
  local v=${1%bit} m=1
  case "$v" in *k) m=1000; v=${v%k} ;; *m) m=1000000; v=${v%m} ;; *g) m=1000000000; v=${v%g} ;; esac
  echo $((v * m))
}

tbf() { # dev rate [netns]: token bucket at `rate`, bucket = 10 ms of traffic (>= 64 KB), queue <= 100 ms
  local dev=$1 rate=$2 ns=${3:-} burst
  burst=$(( $(rate_bits "$rate") / 8 / 100 )); [ "$burst" -lt 65536 ] && burst=65536
  local args=(qdisc replace dev "$dev" root tbf rate "$rate" burst "$burst" latency 100ms)
  if [ -n "$ns" ]; then ip netns exec "$ns" tc "${args[@]}"; else tc "${args[@]}"; fi
}

shape() { # rate
  local rate=$1
  for i in $(seq "$HOSTS"); do
    tbf "$(host_veth "$i")" "$rate"
    tbf eth0 "$rate" "$(host_ns "$i")"
  done
  echo "$rate" > "$STATE/shape"
  log "links shaped: tbf rate $rate in both directions on $HOSTS host links (no added delay: this kernel has no netem)"
}

await_checkpoint() { # dir: wait until a job has saved its first epoch checkpoint (<dir>/*.json); fails after JOB_TIMEOUT
  for _ in $(seq "$JOB_TIMEOUT"); do
    ls "$1"/*.json > /dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

kill_executor() { # host: SIGKILL the Spark executor JVM(s) in host i's namespace (the Worker stays up)
  local killed=""
  for pid in $(ip netns pids "$(host_ns "$1")" 2> /dev/null); do
    if tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -q CoarseGrainedExecutorBackend; then
      kill -9 "$pid" && killed="$killed $pid"
    fi
  done
  log "host $1: executor JVM killed (pid${killed:- none found})"
}

ROGUE=9 # the rogue's namespace is host 9 (${NAME}-h9, 10.$NET.0.19): the teardown of host namespaces covers it

rogue_up() { # a namespace on the bridge for the attacker (not a Spark worker; its link unshaped)
  local ns veth; ns="$(host_ns $ROGUE)"; veth="$(host_veth $ROGUE)"
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$BRIDGE" up
  ip netns exec "$ns" ip addr add "$(host_ip $ROGUE)/24" dev eth0
  ip netns exec "$ns" ip link set eth0 up
  ip netns exec "$ns" ip link set lo up
}

sniff_stream_id() { # seconds: the Aeron stream id of the traffic the rogue's eth0 sees (printed), or fail
  # Aeron frames carry it in clear: data/setup frames at byte 16, status messages at byte 12 (little-endian, version 0)
  ip netns exec "$(host_ns $ROGUE)" python3 - eth0 "$1" << 'PY'
import collections, socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
s.bind((sys.argv[1], 0)); s.settimeout(1)
seen, end = collections.Counter(), time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        f = s.recv(65535)
    except socket.timeout:
        continue
    if len(f) < 62 or f[12:14] != b"\x08\x00" or f[23] != 17 or struct.unpack("!H", f[20:22])[0] & 0x1FFF:
        continue  # not IPv4 UDP, or a later fragment
    a = f[14 + (f[14] & 15) * 4 + 8:]
    if len(a) < 20 or a[4] != 0:
        continue
    kind = struct.unpack("<H", a[6:8])[0]
    at = {1: 16, 5: 16, 3: 12}.get(kind)  # DATA, SETUP, status message
    if at is None:
        continue
    sid = struct.unpack("<i", a[at:at + 4])[0]
    seen[sid] += 1
    if seen[sid] >= 5:
        print(sid)
        sys.exit(0)
sys.exit(1)
PY
}

rogue_attack() { # seconds out joblog: the rogue sniffs the job's stream id, joins its Aeron mesh, sends forged/replayed/corrupted envelopes
  [ -e "/var/run/netns/$(host_ns $ROGUE)" ] || rogue_up
  # the driver's Aeron port is a free port per JVM (JvmFreePortSupplier), not DL4J's 49876: an attacker would scan
  # for it; this one reads it from the driver's log
  local port sid; port="$(grep -o 'controller address to [0-9.]*:[0-9]*' "$3" | tail -1 | cut -d: -f2)"
  # the stream id is drawn at random per job (SharedTrainingMaster): the rogue reads it off the wire. A Linux bridge
  # forwards unicast only to the port behind the destination MAC; with ageing 0 it forgets every MAC and floods
  # (a hub, or a switch under MAC flooding), so the rogue's eth0 sees the driver's frames to the executors.
  ip link set "$BRIDGE" type bridge ageing_time 0
  sid="$(sniff_stream_id 30 || true)"
  ip link set "$BRIDGE" type bridge ageing_time 30000
  log "rogue $(host_ip $ROGUE): captured stream id ${sid:-none} on the wire; attacks the driver's mesh ($MASTER_IP:${port:-?}) for $1 s"
  [ -n "$sid" ] || log "rogue: no Aeron frame seen in 30 s; trying DL4J's default stream 119"
  ip netns exec "$(host_ns $ROGUE)" env OMP_NUM_THREADS=1 java -Xmx512m $OPENS $AERON \
    -Dlog4j.configuration=org/apache/spark/log4j-defaults.properties \
    -cp "$APP:$SPARK_HOME/jars/*" io.github.dl4jcompress.cli.Dl4jc cluster-rogue --controller "$MASTER_IP" \
    --controller-port "${port:-40123}" --stream-id "${sid:-119}" --ip "$(host_ip $ROGUE)" --seconds "$1" --out "$2" \
    > "$WORK/logs/rogue.log" 2>&1
}

kill_driver() { # SIGKILL the driver JVM of the running job (the child of its timeout process)
  local tpid; tpid="$(cat "$STATE/job.pid")"
  for pid in $(ps -o pid= --ppid "$tpid"); do kill -9 "$pid" && log "driver JVM $pid killed"; done
}

cut_link() { # host seconds: host i's link down for `seconds`, then up again (fault injection)
  ip link set "$(host_veth "$1")" down
  log "host $1: link cut"
  sleep "$2"
  ip link set "$(host_veth "$1")" up
  log "host $1: link restored after $2 s"
}

network_up() {
  ip link add "$BRIDGE" type bridge
  ip addr add "$MASTER_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for i in $(seq "$HOSTS"); do
    local ns veth
    ns="$(host_ns "$i")"; veth="$(host_veth "$i")"
    ip netns add "$ns"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" master "$BRIDGE" up
    ip netns exec "$ns" ip addr add "$(host_ip "$i")/24" dev eth0
    ip netns exec "$ns" ip link set eth0 up
    ip netns exec "$ns" ip link set lo up
  done
  shape "$RATE"
  log "network up: bridge $BRIDGE $MASTER_IP, hosts $(for i in $(seq "$HOSTS"); do printf '%s ' "$(host_ip "$i")"; done)"
}

record() { echo "$1" >> "$STATE/pids"; }

await_log() { # file pattern what
  for _ in $(seq 180); do grep -q "$2" "$1" 2> /dev/null && return 0; sleep 1; done
  die "$3 did not start within 180 s, see $1"
}

spark_up() {
  . "$here/dl4j-compress-cli/spark-build.sh"
  umask 077
  cat > "$STATE/spark-defaults.conf" << EOF
spark.authenticate true
spark.authenticate.secret $(openssl rand -hex 32)
spark.network.crypto.enabled true
EOF
  umask 022
  mkdir -p "$WORK/logs" "$WORK/work"
  SPARK_LOCAL_IP="$MASTER_IP" java -Xmx256m $OPENS -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" \
    org.apache.spark.deploy.master.Master --host "$MASTER_IP" --port "$PORT" --webui-port 0 \
    --properties-file "$STATE/spark-defaults.conf" > "$WORK/logs/master.log" 2>&1 &
  record $!
  await_log "$WORK/logs/master.log" "I have been elected leader" "the Spark master"
  for i in $(seq "$HOSTS"); do
    mkdir -p "$WORK/work/h$i"
    ip netns exec "$(host_ns "$i")" env SPARK_LOCAL_IP="$(host_ip "$i")" SPARK_HOME="$SPARK_HOME" \
      SPARK_SCALA_VERSION=2.12 java -Xmx256m $OPENS -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" \
      org.apache.spark.deploy.worker.Worker "spark://$MASTER_IP:$PORT" --host "$(host_ip "$i")" --cores 1 \
      --memory "$WORKER_MEM" --webui-port 0 --work-dir "$WORK/work/h$i" \
      --properties-file "$STATE/spark-defaults.conf" > "$WORK/logs/worker-h$i.log" 2>&1 &
    record $!
  done
  for i in $(seq "$HOSTS"); do
    await_log "$WORK/logs/worker-h$i.log" "Successfully registered with master" "the worker of host $i"
  done
  log "Spark up: master spark://$MASTER_IP:$PORT (authenticated, encrypted RPC), $HOSTS workers (1 core each)"
}

placeholders_up() { # --no-spark: one long-lived process per host namespace stands for its JVM (teardown test)
  for i in $(seq "$HOSTS"); do
    ip netns exec "$(host_ns "$i")" sleep 3600 < /dev/null > /dev/null 2>&1 &
    record $!
  done
}

up() {
  require_namespaces
  down > /dev/null 2>&1 || true # a previous crash's leftovers
  mkdir -p "$STATE"
  : > "$STATE/pids"
  network_up
  if [ "$SPARK" = 1 ]; then spark_up; else placeholders_up; fi
  [ "${CLUSTER_FAIL_AT:-}" = started ] && die "failure injected after start-up (CLUSTER_FAIL_AT=started, for the teardown test)"
  printf '%s\n' "$HOSTS" > "$STATE/hosts"
  log "cluster $NAME up ($HOSTS hosts, $RATE); 'cluster.sh down' removes it"
}

# --- jobs ---------------------------------------------------------------------------------------------------------
host_bytes() { # "rx tx" of host i's root-side veth: rx = sent by the host, tx = received by the host
  local v; v="$(host_veth "$1")"
  echo "$(cat "/sys/class/net/$v/statistics/rx_bytes") $(cat "/sys/class/net/$v/statistics/tx_bytes")"
}

host_cpu_seconds() { # CPU seconds (user + system) of the processes now in host i's namespace
  local total=0 ticks; ticks="$(getconf CLK_TCK)"
  for pid in $(ip netns pids "$(host_ns "$1")" 2> /dev/null); do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2> /dev/null || echo 0)))
  done
  awk -v t="$total" -v k="$ticks" 'BEGIN {printf "%.1f", t / k}'
}

machine_busy_seconds() { # CPU seconds all processes on this machine have used since boot (/proc/stat, all but idle and iowait)
  awk -v k="$(getconf CLK_TCK)" '/^cpu / {printf "%.1f", ($2 + $3 + $4 + $7 + $8 + $9) / k}' /proc/stat
}

driver_cpu_seconds() { # CPU seconds (user + system) of the running job's driver JVM (0 before it starts)
  local tpid pid total=0; tpid="$(cat "$STATE/job.pid" 2> /dev/null)"
  if [ -n "$tpid" ]; then
    for pid in $(ps -o pid= --ppid "$tpid" 2> /dev/null); do
      total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2> /dev/null || echo 0)))
    done
  fi
  awk -v t="$total" -v k="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / k}'
}

pids_cpu_seconds() { # CPU seconds (user + system) of the given processes so far
  local pid total=0
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2> /dev/null || echo 0)))
  done
  awk -v t="$total" -v k="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / k}'
}

others_cores() { # seconds: cores the machine's other processes used over that many seconds (this cluster's excluded)
  local s=$1 busy0 ours0 pids
  pids="$(cluster_pids | sort -u)"
  # shellcheck disable=SC2086
  busy0="$(machine_busy_seconds)"; ours0="$(pids_cpu_seconds $pids)"
  sleep "$s"
  # shellcheck disable=SC2086
  awk -v b0="$busy0" -v b1="$(machine_busy_seconds)" -v o0="$ours0" -v o1="$(pids_cpu_seconds $pids)" -v s="$s" \
    'BEGIN {v = ((b1 - b0) - (o1 - o0)) / s; printf "%.3f", v < 0 ? 0 : v}'
}

submit() { # name "dl4jc job args": results in $WORK/results/<name>/ (spark.json, cluster-run.json), log in logs/
  local n=$1 job=$2 logf="$WORK/logs/job-$1.log" out="$WORK/results/$1"
  local ifaces; ifaces="$(for i in $(seq "$HOSTS"); do printf '%s,' "$(host_veth "$i")"; done)"
  mkdir -p "$out"
  log "job $n: $job (log $logf)"
  local before=null loadavg
  if [ "$LOAD_SAMPLE" -gt 0 ]; then
    before="$(others_cores "$LOAD_SAMPLE")"
  fi
  # runnable threads, 1-minute average: with this cluster idle, the others' demand (usage stops at the cores)
  loadavg="$(awk '{print $1}' /proc/loadavg)"
  log "job $n: before it, other processes used $before cores (over $LOAD_SAMPLE s), load average $loadavg"
  local start busy0; start=$(date +%s.%N); busy0="$(machine_busy_seconds)"
  for i in $(seq "$HOSTS"); do echo "$(host_bytes "$i")" > "$STATE/bytes0-h$i"; done
  : > "$STATE/cpu-$n"
  : > "$STATE/job.pid"
  ( while sleep 2; do
      line=""; for i in $(seq "$HOSTS"); do line="$line $(host_cpu_seconds "$i")"; done
      echo "$line $(driver_cpu_seconds)" >> "$STATE/cpu-$n"
      note_aeron_dirs $(cluster_pids) || true
    done ) &
  local sampler=$!
  record "$sampler" # so that down ends it too if the job is interrupted
  set +e
  # shellcheck disable=SC2086
  SPARK_LOCAL_IP="$MASTER_IP" OMP_NUM_THREADS=1 timeout --signal=TERM --kill-after=30 "$JOB_TIMEOUT" \
    java -Xmx2g $OPENS $AERON ${JAVA_EXTRA:-} --add-modules jdk.incubator.vector \
    -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit \
    --master "spark://$MASTER_IP:$PORT" --deploy-mode client --properties-file "$STATE/spark-defaults.conf" \
    --class io.github.dl4jcompress.cli.Dl4jc \
    --conf spark.executor.cores=1 --total-executor-cores "$HOSTS" --executor-memory 1g \
    --conf spark.default.parallelism="$HOSTS" \
    --conf spark.driver.host="$MASTER_IP" --conf spark.driver.bindAddress="$MASTER_IP" --conf spark.ui.enabled=false \
    --conf "spark.executor.extraJavaOptions=$OPENS $AERON ${JAVA_EXTRA:-} --add-modules jdk.incubator.vector" \
    --conf spark.executorEnv.OMP_NUM_THREADS=1 \
    "$APP" $job --controller "$MASTER_IP" --network-mask "$SUBNET.0/24" \
    --count-interfaces "${ifaces%,}" --out "$out" > "$logf" 2>&1 &
  local jpid=$!
  record "$jpid"
  echo "$jpid" > "$STATE/job.pid"
  wait "$jpid"
  local rc=$?
  set -e
  kill "$sampler" 2> /dev/null; wait "$sampler" 2> /dev/null || true
  local wall; wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
  {
    printf '{"job": %s, "exit": %d, "wallSeconds": %s, "hosts": [' "$(printf '%s' "$job" | jq -Rs .)" "$rc" "$wall"
    for i in $(seq "$HOSTS"); do
      read -r rx0 tx0 < "$STATE/bytes0-h$i"; read -r rx1 tx1 <<< "$(host_bytes "$i")"
      # largest sample (executors exit at the end of the job, then the sum drops) minus the first (the worker JVM
      # before the job): the CPU time of this host's executor during the job, sampled every 2 s
      cpu=$(awk -v c="$i" 'NF && first == "" {first = $c + 0} NF && $c + 0 > v {v = $c + 0} END {print v - first}' \
        "$STATE/cpu-$n")
      [ "$i" -gt 1 ] && printf ', '
      printf '{"host": %d, "ip": "%s", "bytesSent": %d, "bytesReceived": %d, "cpuSeconds": %s}' \
        "$i" "$(host_ip "$i")" $((rx1 - rx0)) $((tx1 - tx0)) "$cpu"
    done
    # the driver JVM's CPU seconds over the whole job (its largest sample: start-up, data, fits, evaluations)
    dcpu=$(awk -v c="$((HOSTS + 1))" 'NF && $c + 0 > v {v = $c + 0} END {print v + 0}' "$STATE/cpu-$n")
    # every process's CPU on the machine during the job (ours and the other engineers'): what is left for ours
    busy=$(awk -v a="$busy0" -v b="$(machine_busy_seconds)" 'BEGIN {printf "%.1f", b - a}')
    printf '], "driverCpuSeconds": %s, "machineBusyCpuSeconds": %s, "otherProcessesCoresBeforeJob": %s, "loadAverageBeforeJob": %s, "machineCores": %d, "shape": "%s", "results": "%s"}\n' \
      "$dcpu" "$busy" "$before" "$loadavg" "$(nproc)" "$(cat "$STATE/shape")" "$out/spark.json"
  } > "$out/cluster-run.json"
  [ "$rc" -eq 124 ] && log "job $n: TIMED OUT after $JOB_TIMEOUT s (killed), see $logf"
  remove_aeron_dirs # the job's driver and executors have exited
  log "job $n: exit $rc, $wall s wall; $(jq -c '[.hosts[] | {host, bytesSent, bytesReceived, cpuSeconds}]' "$out/cluster-run.json")"
  return 0
}

# --- command line ---------------------------------------------------------------------------------------------------
cmd="${1:-}"; [ $# -gt 0 ] && shift
HOSTS=2; RATE=1gbit; SPARK=1; JOBS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) HOSTS=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --no-spark) SPARK=0; shift ;;
    --) shift; JOBS=("$@"); break ;;
    *) [ "$cmd" = shape ] && break; die "unknown option $1" ;;
  esac
done
[ "$HOSTS" -ge 1 ] && [ "$HOSTS" -le 4 ] || die "--hosts must be 1..4, got $HOSTS"

case "$cmd" in
  up)
    trap 'rc=$?; if [ $rc -ne 0 ]; then log "bring-up failed (exit $rc): tearing down"; down; fi' EXIT
    trap 'exit 130' INT TERM
    up ;;
  hold)
    trap 'down' EXIT
    trap 'exit 130' INT TERM
    up
    log "holding; Ctrl-C or TERM tears down"
    while true; do sleep 1; done ;;
  run)
    [ ${#JOBS[@]} -gt 0 ] || die "run needs jobs after --, e.g. -- \"spark-terngrad --modes terngradPerLayer --epochs 1\""
    trap 'down' EXIT
    trap 'exit 130' INT TERM
    up
    n=0
    for job in "${JOBS[@]}"; do n=$((n + 1)); submit "job-$n" "$job"; done ;;
  measure)
    # for every rate in RATES (comma-separated) and mode in MODES: up, one spark-terngrad job per mode, down.
    # Mode averaging1/averaging5 = parameter averaging every 1/5 minibatches. The jobs get the arguments after --.
    trap 'down' EXIT
    trap 'exit 130' INT TERM
    for rate in ${RATES//,/ }; do
      RATE=$rate
      up
      for mode in ${MODES//,/ }; do
        case "$mode" in
          averaging1) m="--modes averaging --averaging-frequency 1" ;;
          averaging5) m="--modes averaging --averaging-frequency 5" ;;
          *) m="--modes $mode" ;;
        esac
        if [ -n "${FAULT:-}" ]; then # cut:<host>:<after s>:<for s> | killexec:<host>:<after s> | killdriver:<after s>
          IFS=: read -r fkind f1 f2 f3 <<< "$FAULT"
          case "$fkind" in
            cut) tag="cut$f1-${f3}s"; action="cut_link $f1 $f3"; fafter=$f2 ;;
            killexec) tag="killexec$f1"; action="kill_executor $f1"; fafter=$f2 ;;
            killdriver) tag="killdriver"; action="kill_driver"; fafter=$f1 ;;
            clean) tag="clean"; action="true"; fafter=0 ;; # the same job settings, no fault (a reference run)
            rogue) tag="rogue"; action="rogue_attack $f2 $WORK/results/h$HOSTS-$rate-$mode-rogue/rogue.json $WORK/logs/job-h$HOSTS-$rate-$mode-rogue.log"; fafter=$f1 ;;
            *) die "FAULT: unknown kind $fkind (cut, killexec, killdriver, rogue, clean)" ;;
          esac
          n="h$HOSTS-$rate-$mode-$tag"; ckpt="$WORK/results/$n/checkpoint"
          rm -rf "$WORK/results/$n" "$WORK/results/$n-resumed"
          fargs="--checkpoint-dir $ckpt --epoch-timeout ${EPOCH_TIMEOUT:-240}"
          ( await_checkpoint "$ckpt" && sleep "$fafter" && $action ) &
          fault_pid=$!
          record "$fault_pid"
          submit "$n" "spark-terngrad $m ${JOBS[*]} $fargs"
          kill "$fault_pid" 2> /dev/null || true; wait "$fault_pid" 2> /dev/null || true
          for pid in $(ip netns pids "$(host_ns $ROGUE)" 2> /dev/null); do kill "$pid" 2> /dev/null; done
          [ "$fkind" = cut ] && { ip link set "$(host_veth "$f1")" up 2> /dev/null || true; }
          if [ "$fkind" = killdriver ]; then
            sleep 5 # the master notices the dead driver and its executors end
            [ -d "$ckpt" ] && cp -r "$ckpt" "$ckpt-at-kill" # what the killed driver left, checked by cluster-report
            submit "$n-resumed" "spark-terngrad $m ${JOBS[*]} $fargs --resume"
          fi
        else
          submit "h$HOSTS-$rate-$mode" "spark-terngrad $m ${JOBS[*]}"
        fi
      done
      down
    done ;;
  shape)
    [ -f "$STATE/hosts" ] || die "no running cluster $NAME"
    HOSTS="$(cat "$STATE/hosts")"
    shape "$1" ;;
  cut)
    [ -f "$STATE/hosts" ] || die "no running cluster $NAME"
    cut_link "$1" "$2" ;;
  down)
    command -v ip > /dev/null && [ "$(id -u)" -eq 0 ] || die "needs root and iproute2"
    down ;;
  *) sed -n '2,13p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
