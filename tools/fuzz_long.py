"""The long fuzzing run: the generators of ``tests/test_fuzz.py``, many more inputs.

Usage::

    python tools/fuzz_long.py --count 100000            # about an hour on one core
    python tools/fuzz_long.py --count 2000 --seed 7     # a quick look

Each input goes through the property of the test suite (``tests.test_fuzz.check``):
``pdecomp.loads`` returns a System or raises PDEError located inside the input; anything
else (another exception, a bad location, a run over ``--timeout`` seconds) is a failure.
One valid program in ``--compile-every`` is also compiled on both backends and scanned
(``tests.test_fuzz.check_compiles``): compiling costs a hundred times more than loading.

The inputs are shared equally among the four generators. Failures do not stop the run
(hypothesis is asked only to generate, not to shrink); each is written to ``--report``
with its input and traceback, and the last line printed is the summary::

    fuzz_long: 100000 inputs in 3012.4 s (...), 21345 valid, 1067 compiled, 0 failures
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: the run is CPU-bound

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from tests import test_fuzz  # noqa: E402
from tests.test_limits import Hang  # noqa: E402

GENERATORS = {
    "random_text": test_fuzz.random_text,
    "mutated_files": test_fuzz.mutated_files,
    "grammar_programs": test_fuzz.grammar_programs,
    "grammar_equations": test_fuzz.grammar_equations,
}


class Run:
    """Counts and failures of one fuzzing run."""

    def __init__(self, compile_every: int, timeout: float):
        self.compile_every, self.timeout = compile_every, timeout
        self.inputs = dict.fromkeys(GENERATORS, 0)
        self.valid = self.compiled = 0
        self.failures: list[dict] = []

    def feed(self, generator: str, text: str) -> None:
        self.inputs[generator] += 1
        try:
            system = test_fuzz.check(text, seconds=self.timeout)
            if system is None:
                return
            self.valid += 1
            if self.valid % self.compile_every == 0:
                test_fuzz.check_compiles(system, seconds=6 * self.timeout)
                self.compiled += 1
        except (Exception, Hang) as error:  # noqa: BLE001 - every failure is recorded
            self.failures.append(
                {
                    "generator": generator,
                    "input": text,
                    "error": f"{type(error).__name__}: {error}",
                    "traceback": traceback.format_exc(),
                }
            )

    def summary(self, seconds: float) -> str:
        per = ", ".join(f"{name} {n}" for name, n in self.inputs.items())
        return (
            f"fuzz_long: {sum(self.inputs.values())} inputs in {seconds:.1f} s ({per}), "
            f"{self.valid} valid, {self.compiled} compiled, {len(self.failures)} failures"
        )


def fuzz(run: Run, generator: str, count: int, seed_value: int) -> None:
    """Feed ``count`` inputs of one generator to ``run`` (generation only, no shrinking)."""

    @seed(seed_value)
    @settings(
        max_examples=count,
        phases=[Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(GENERATORS[generator]())
    def one(text):
        run.feed(generator, text)

    one()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="total inputs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compile-every", type=int, default=20, metavar="N")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per input")
    parser.add_argument("--report", type=Path, default=Path("fuzz_long_failures.json"))
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    run = Run(args.compile_every, args.timeout)
    start = time.perf_counter()
    share = args.count // len(GENERATORS)
    for i, generator in enumerate(GENERATORS):
        count = share + (args.count % len(GENERATORS) if i == 0 else 0)
        fuzz(run, generator, count, args.seed + i)
        print(
            f"  {generator}: {run.inputs[generator]} inputs, {time.perf_counter() - start:.0f} s",
            flush=True,
        )
    if run.failures:
        args.report.write_text(json.dumps(run.failures, indent=1), encoding="utf-8")
        print(f"failures written to {args.report}")
    print(run.summary(time.perf_counter() - start), flush=True)
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
