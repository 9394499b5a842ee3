"""``boendestod import``: a municipality's clients, staff, decisions and contact workers from CSV.

``files`` reads a file whatever its encoding and delimiter (of the ones allowed), ``rows`` turns
each row into a change through the same services the console uses, ``run`` holds it all in one
transaction and reports row by row. The format is documented in ``docs/import/README.md``.
"""
