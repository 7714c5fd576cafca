"""Orchestration: execute feature expressions, hand arrays to the models, write snapshots."""
