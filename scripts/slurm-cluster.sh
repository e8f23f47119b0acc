#!/bin/bash
# A single-node Slurm cluster for testing the job-array script
# (scripts/sweep.sbatch) on one machine: Debian's slurm-wlm and munge,
# run as root, with its slurm.conf and the state, spool, pid and log files
# under DIR (nothing under /etc/slurm: commands find the cluster by
# SLURM_CONF=DIR/slurm.conf).
#   scripts/slurm-cluster.sh start DIR   starts munged (if none runs), slurmctld and slurmd
#   scripts/slurm-cluster.sh stop DIR    stops what start started, by the PIDs in DIR
# Exits 77 (skip) with the reason on stderr where a cluster cannot start.
set -euo pipefail
cmd=${1:?usage: slurm-cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: slurm-cluster.sh start|stop DIR}")
skip() { echo "slurm-cluster: $*" >&2; exit 77; }

stop() {
    for d in slurmd slurmctld munged; do
        if [ -f "$dir/$d.pid" ]; then
            kill "$(cat "$dir/$d.pid")" 2>/dev/null || true
            rm -f "$dir/$d.pid"
        fi
    done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: slurm-cluster.sh start|stop DIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || skip "needs root (slurmd runs jobs as their user)"
for b in munged slurmctld slurmd sbatch sinfo; do
    command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || skip "$b not found: apt-get install slurm-wlm munge"
done
pgrep -x 'slurmctld|slurmd' >/dev/null && skip "Slurm already runs here: not touching that cluster"
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
host=$(hostname -s)

# munge: a key (kept if the package made one) and the daemon as its user.
if ! pgrep -x munged >/dev/null; then
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge && chown munge:munge /run/munge
    runuser -u munge -- /usr/sbin/munged --pid-file="/run/munge/munged.pid" || skip "munged did not start"
    cp /run/munge/munged.pid "$dir/munged.pid"
fi

export SLURM_CONF="$dir/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=grokscope-test
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=$host CPUs=$(nproc) RealMemory=4000 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld || { stop; skip "slurmctld did not start (see $dir/log/slurmctld.log)"; }
/usr/sbin/slurmd || { stop; skip "slurmd did not start (see $dir/log/slurmd.log)"; }
for _ in $(seq 60); do
    if sinfo -h -o %t 2>/dev/null | grep -qx idle; then exit 0; fi
    sleep 1
done
stop
skip "the node did not become idle within 60 s (see $dir/log)"
