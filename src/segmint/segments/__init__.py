"""Segments: the families of labels a run assigns, their names, and why a customer has one."""
