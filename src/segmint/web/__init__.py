"""The dashboard: server-rendered pages over the workspace, served by `segmint serve`."""
