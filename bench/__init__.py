"""Benchmarks that compare Soba with baselines side by side and print tables."""
