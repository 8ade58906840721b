#!/bin/sh
# Runs inside the aarch64 guest (python tools/aarch64/guest.py test): renacer's aarch64 subset,
# from the read-only shared checkout, against the guest's own strace. Extra arguments go to pytest.
set -u
export PYTHONPATH=/project/src PYTHONDONTWRITEBYTECODE=1
echo "guest: $(uname -srm), $(python3 --version), $(strace -V | head -1)"
exec python3 -m pytest -p no:cacheprovider -o addopts= -q -ra "$@" $(cat tools/aarch64/subset.txt)
