"""A client's case from its end to its clearing: closing, reopening and retention (gallring)."""
