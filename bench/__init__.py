"""Benchmarks (run them as `python -m bench.<name>`); importable so tests can share their meters."""
