"""Benchmarks: every figure is a ratio against a baseline measured in the same run.

Run them all with ``bench/run``; see the README's section on benchmarks.
"""
