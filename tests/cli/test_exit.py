"""The console script ends without the interpreter's slow teardown (``cli.main.end_quickly``):
what is garbage at the end is still collected (finalizers run, output is flushed), and the
rest is frozen so that CPython's exit does not run its cycle collector over every object."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import atexit, gc, sys
atexit.register(lambda: print(f"frozen at exit: {gc.get_freeze_count() > 0}", flush=True))

class Cycle:
    def __del__(self):
        print("garbage finalized", flush=True)

def leave_garbage():
    cycle = Cycle()
    cycle.me = cycle  # only the cycle collector frees it

from cli.main import run
gc.disable()  # so that the garbage is still there when the command ends
leave_garbage()
sys.argv = ["archive", "--help"]
run()
"""


def test_the_command_ends_collected_then_frozen() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Usage: archive")  # the command's own output, complete
    assert lines[-2:] == ["garbage finalized", "frozen at exit: True"]
