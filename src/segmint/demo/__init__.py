"""Synthetic workspaces: realistic data with a known truth, for the demo, tests and benchmarks."""
