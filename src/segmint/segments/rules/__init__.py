"""The rule language: parse -> check -> compile -> describe; no user text reaches SQL or Python."""
