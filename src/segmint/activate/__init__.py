"""Turning segments into action: exports (and later webhooks, hold-outs, playbooks)."""
