#!/usr/bin/python3
"""make bench: run every bench/*_bench.py in turn.  Benchmarks print figures;
they never assert on time."""

import pathlib
import subprocess
import sys

here = pathlib.Path(__file__).resolve().parent
rc = 0
for script in sorted(here.glob("*_bench.py")):
    print("== %s" % script.name, flush=True)
    rc |= subprocess.call([sys.executable, str(script)] + sys.argv[1:])
sys.exit(rc)
