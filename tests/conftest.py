"""Shared fixtures: compiled fixture programs, the renacer command, a runner that never hangs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from fidelity import _COMPILERS, Completed, build_program, renacer_argv, run


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_strace: the test compares with strace")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which("strace"):
        return
    skip = pytest.mark.skip(reason="strace is not installed")
    for item in items:
        if "needs_strace" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def build() -> Callable[[str], Path]:
    """``build("fork.c") -> Path``: compile a tests/programs source once per source hash."""
    built: dict[str, Path] = {}

    def _build(name: str) -> Path:
        if name not in built:
            compiler = _COMPILERS.get(Path(name).suffix, ("",))[0]
            if compiler and shutil.which(compiler) is None:  # e.g. no rustc in the aarch64 guest
                message = f"{name} needs {compiler}, which is not installed"
                if os.environ.get("CI") == "true":
                    pytest.fail(message)
                pytest.skip(message)
            built[name] = build_program(name)
        return built[name]

    return _build


@pytest.fixture(scope="session")
def renacer_cmd() -> list[str]:
    """The argv prefix that runs renacer: [python, -m, renacer]."""
    return renacer_argv()


@pytest.fixture(scope="session")
def run_cmd() -> Callable[..., Completed]:
    """Run a command with a 60 s timeout, killing its process group if it overruns."""

    def _run(argv: Sequence[str], **kwargs) -> Completed:
        return run([str(a) for a in argv], **kwargs)

    return _run


@pytest.fixture
def renacer(renacer_cmd: list[str], run_cmd: Callable[..., Completed]) -> Callable[..., Completed]:
    """``renacer("-f", "--", prog)``: run renacer with those arguments."""

    def _renacer(*args: object, **kwargs) -> Completed:
        return run_cmd([*renacer_cmd, *map(str, args)], **kwargs)

    return _renacer


@pytest.fixture
def strace(run_cmd: Callable[..., Completed]) -> Callable[..., Completed]:
    """``strace("-f", "--", prog)``: run strace with those arguments (skips if missing)."""
    path = shutil.which("strace")
    if path is None:
        pytest.skip("strace is not installed")

    def _strace(*args: object, **kwargs) -> Completed:
        return run_cmd([path, *map(str, args)], **kwargs)

    return _strace
