"""pdecomp benchmark suite: run with ``python -m benchmarks.run`` (see README.md)."""
