"""Proxies in the staff console: a client's god man, förvaltare or relative, and what the client
allows each of them, recorded with who recorded it, when and how the client agreed."""
