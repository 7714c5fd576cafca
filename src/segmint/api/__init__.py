"""The REST API over a workspace (`segmint serve`): `segmint.api.app.create_app`."""
