"""The interpreters the Python tests need: missing ones skip their tests, except in CI.

CI (``CI=true``) must run every supported interpreter (the pyenv builds and Debian's
python3.11), so there a missing one fails the test instead of skipping it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

PYENV = "/root/.pyenv/versions"
# the supported interpreters: pyenv's builds (shared libpython, PIE) and Debian's (static, stripped)
INTERPRETERS = {
    "3.10": f"{PYENV}/3.10.13/bin/python3",
    "3.11": f"{PYENV}/3.11.7/bin/python3",
    "3.12": f"{PYENV}/3.12.1/bin/python3",
    "3.13": f"{PYENV}/3.13.0/bin/python3",
    "debian-3.11": "/usr/bin/python3.11",
}


def missing(path: str) -> NoReturn:
    """Skip the test for lack of ``path``; fail it under CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{path} is not installed, and CI must run every interpreter")
    pytest.skip(f"{path} is not installed")


def require(path: str) -> str:
    """``path``, if it exists (else ``missing``)."""
    if not Path(path).exists():
        missing(path)
    return path
