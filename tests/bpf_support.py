"""What every eBPF test needs first: BPF usable here, or a skip — and under CI=true a failure."""

from __future__ import annotations

import os

import pytest


def require_bpf() -> None:
    """Skip unless BPF may be used here; under CI=true, where it must be, fail instead."""
    from renacer.backends.ebpf.bpf import permitted

    why = permitted()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"eBPF must work in CI: {why}")
        pytest.skip(f"eBPF is not permitted here: {why}")
