"""Benchmarks run by hand (`make bench`): they measure speed and memory and write BENCHMARKS.md."""
