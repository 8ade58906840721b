"""Bench workload: import many stdlib modules (opens, stats, reads, mmaps of the import system).

Usage: pyimports.py [N]: the first N modules of the list (0 or none: all of them).

The import time (time.perf_counter: a vDSO call, no syscall) goes to $RENACER_BENCH_TIME.
"""

import importlib
import os
import sys
import time

MODULES = (
    "abc argparse ast asyncio base64 bisect bz2 calendar collections concurrent.futures configparser "
    "contextlib copy csv dataclasses datetime decimal difflib email.message email.parser enum fnmatch "
    "fractions functools getopt gettext glob gzip hashlib heapq hmac html.parser http.client "
    "http.cookies inspect io ipaddress itertools json logging lzma mimetypes multiprocessing numbers "
    "operator optparse pathlib pickle platform plistlib pprint queue random re secrets selectors shlex "
    "shutil socket sqlite3 statistics string struct subprocess tarfile tempfile textwrap threading "
    "timeit tokenize traceback typing unittest urllib.parse urllib.request uuid warnings weakref "
    "xml.dom.minidom xml.etree.ElementTree zipfile zlib"
).split()

count = int(sys.argv[1]) if len(sys.argv) > 1 else 0
start = time.perf_counter()
for name in MODULES[:count or None]:
    importlib.import_module(name)
elapsed = time.perf_counter() - start
path = os.environ.get("RENACER_BENCH_TIME")
if path:
    with open(path, "w") as out:
        out.write(f"{elapsed:.9f}\n")
