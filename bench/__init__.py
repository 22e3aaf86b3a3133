"""Benchmark of the pipeline: `python -m bench` (or `make bench`)."""
