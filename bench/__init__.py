"""Benchmarks, run as ``python bench/<name>.py`` from the repository root (not part of the tests).

Each script sets up Django itself, prints its figures next to their targets, and prints the
command line that reproduces them. ``bench.load_candidates.ensure_candidates`` fills the
database with realistic candidates for any of them.
"""
