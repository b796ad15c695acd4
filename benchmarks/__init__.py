"""Benchmarks of the provider (see benchmarks/README.md); run them with ``make bench``."""
