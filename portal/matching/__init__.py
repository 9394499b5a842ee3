"""Matching: how workers are ranked for a light-support request, and how a whole queue is
assigned at once.

Read in this order: ``criteria`` (each part of the score, its array form and its reason in
words: the one list both the console and the batch loop over), ``scoring`` (a pair's score and
reasons), ``candidates`` (who could take one request, and when they are free: ``schedule``, on
``portal.booking.freetime``),
``ranking`` (one request's ranked workers, as the console shows them), ``batch`` ("Fördela
alla": the whole queue against every worker). Requests, the catalogue, scope and the pages are
in ``portal.lightsupport``.
"""
