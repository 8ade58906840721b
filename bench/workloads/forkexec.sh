#!/bin/sh
# Bench workload: N ($1, default 50) rounds of two fork+exec's (/bin/true, then a pipe into cat):
# process creation, exec, the dynamic loader and wait4 over and over.
n=${1:-50}
i=0
while [ "$i" -lt "$n" ]; do
    /bin/true
    echo renacer | /bin/cat > /dev/null
    i=$((i + 1))
done
