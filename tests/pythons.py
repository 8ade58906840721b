"""The interpreters the Python tests need: missing ones skip their tests, except in CI.

CI (``CI=true``) must run every supported interpreter (the pyenv builds and Debian's
python3.11), so there a missing one fails the test instead of skipping it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest


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
