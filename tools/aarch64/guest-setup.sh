#!/bin/sh
# The second half of building renacer's aarch64 guest, run once inside it (tools/aarch64/guest.py):
# debootstrap's second stage, then the Python test dependencies from the wheels fetched on the host.
set -eu
export DEBIAN_FRONTEND=noninteractive
/debootstrap/debootstrap --second-stage
python3 -m pip install -q --break-system-packages --no-index --find-links /opt/renacer-wheels \
  pyelftools msgpack pytest hypothesis
rm -rf /opt/renacer-wheels /var/cache/apt/archives/*.deb
python3 -c 'import elftools, msgpack, pytest, hypothesis; print("guest-setup: python", pytest.__version__)'
