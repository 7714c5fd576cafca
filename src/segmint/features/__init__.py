"""Per-customer features as engine-neutral expressions: built here, executed by the pipeline."""
