"""Calls through standard-library helpers: the syscall is made in os.path, shutil, json's
caller, pathlib or contextlib, and is credited to this file's line that called the helper."""

import contextlib
import json
import os
import os.path
import pathlib
import shutil

import audit_hook


def save_json(path, data):
    with open(path, "w") as f:  # syscall: openat
        json.dump(data, f)


def load_json(path):
    with open(path) as f:  # syscall: openat
        return json.load(f)


@contextlib.contextmanager
def created(path):
    os.mkdir(path)  # syscall: mkdir
    try:
        yield path
    finally:
        os.rmdir(path)  # syscall: rmdir


def with_pathlib(work):
    base = pathlib.Path(work) / "pl"
    base.mkdir()  # syscall: mkdir
    (base / "note.txt").write_text("note")  # syscall: openat
    text = (base / "note.txt").read_text()  # syscall: openat
    there = (base / "note.txt").exists()  # syscall: newfstatat
    (base / "note.txt").unlink()  # syscall: unlink
    base.rmdir()  # syscall: rmdir
    return text, there


def main():
    work = audit_hook.install()
    config = os.path.join(work, "config.json")
    save_json(config, {"a": [1, 2, 3]})
    load_json(config)
    if os.path.exists(config):  # syscall: newfstatat
        shutil.copyfile(config, os.path.join(work, "copy.json"))  # syscall: openat, newfstatat
    isdir = os.path.isdir(os.path.join(work, "copy.json"))  # syscall: newfstatat
    with created(os.path.join(work, "d")):
        pass
    with_pathlib(work)
    return isdir


if __name__ == "__main__":
    main()
