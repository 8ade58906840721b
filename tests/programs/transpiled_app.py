"""The "original" of transpiled_app.rs: a tiny record processor, as a transpiler's input.

Never run by the tests: transpiled_app.rs is the program they trace, and
transpiled_app.map.json maps its lines back to these.
"""

import os
import sys


def write_record(path, row):
    with open(path, "w") as f:
        f.write(f"row {row}\n")


def read_record(path):
    with open(path) as f:
        return f.read()


def process_data(rows, path):
    total = 0
    for row in rows:
        write_record(path, row)
        total += len(read_record(path))
    return total


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "transpiled_app.tmp"
    total = process_data(range(200), path)
    os.remove(path)
    print(f"{total} bytes")
    sys.exit(0)


if __name__ == "__main__":
    main()
