"""Reading measured records and writing markdown: the helpers every table shares.

Input: result records (:mod:`benchmarks.measure`). Output: their step time (CPU time on a
CPU, wall time on a GPU), memory metric, and numbers, ratios and tables as text.
"""

from __future__ import annotations

MIB = 2**20


def memory_bytes(record: dict | None):
    """The memory metric of a record: CUDA peak, torch saved tensors or JAX temp bytes."""
    if record is None or record.get("status") != "ok":
        return None
    for key in ("cuda_peak_bytes", "graph_bytes", "temp_bytes"):
        if record.get(key) is not None:
            return record[key]
    return None


def time_ms(record: dict | None):
    """The step time of a record: CPU time on a CPU, wall time on a GPU."""
    if record is None or record.get("status") != "ok":
        return None
    return record["time_ms"] if record.get("device") == "cuda" else record.get("cpu_ms")


def wall_ms(record: dict | None):
    ok = record is not None and record.get("status") == "ok"
    return record["time_ms"] if ok else None


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt(value, digits: int = 3) -> str:
    """A number to ``digits`` significant digits, or a dash."""
    if value is None:
        return "–"
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    return f"{float(text):,.0f}" if "e" in text else text


def fmt_ratio(value) -> str:
    return "–" if value is None else (f"{value:.2f}×" if value < 10 else f"{value:.0f}×")


def status_note(record: dict | None) -> str:
    if record is None:
        return "not run"
    status = record.get("status", "missing")
    return "" if status == "ok" else status.replace("|", "/").replace("\n", " ")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def step_unit(device: str) -> str:
    return "wall ms" if device == "cuda" else "CPU ms"


def mib(value):
    return None if value is None else value / MIB
