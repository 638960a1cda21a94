"""Peak resident memory of one training step, read from Linux's /proc/self/status.

Input: a callable running one step. Output: a JSON line ``{"peak_mib": ...}`` on stdout,
the peak resident memory during the step over the resident memory before it, for the
examples' subprocess measurements (one fresh process per method).
"""

from __future__ import annotations

import json
from pathlib import Path


def status_kib(key: str) -> int:
    """A ``kB`` entry of /proc/self/status (``VmRSS``, ``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def print_step_peak(step) -> None:
    """Run ``step()`` and print its peak memory in MiB above the memory before it."""
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = status_kib("VmRSS")
    step()
    print(json.dumps({"peak_mib": (status_kib("VmHWM") - before) / 1024}))
