"""Statistical models of customers: pure NumPy/SciPy, no engine, no files."""
