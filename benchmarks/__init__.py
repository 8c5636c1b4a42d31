"""Benchmarks: ``python -m benchmarks`` (see ``--help``). Ratios against same-run baselines."""
