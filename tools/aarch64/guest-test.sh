#!/bin/sh
# Runs inside the aarch64 guest (python tools/aarch64/guest.py test): renacer's aarch64 subset
# (tools/aarch64/subset.txt), from the read-only shared checkout, against the guest's own strace.
# Arguments replace the subset (paths, -k EXPR, ...).
set -u
export PYTHONPATH=/project/src PYTHONDONTWRITEBYTECODE=1 RENACER_AARCH64_GUEST=1
# emulation runs some 20-50 times slower than the host: give traced runs more than 60 s
export RENACER_TEST_TIMEOUT=300
echo "guest: $(uname -srm), $(python3 --version), $(strace -V | head -1)"
if [ $# -eq 0 ]; then
  set -- $(grep -v '^#' tools/aarch64/subset.txt)
fi
exec python3 -m pytest -p no:cacheprovider -o addopts= -q -ra --color=no "$@"
