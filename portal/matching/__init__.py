"""Matching: how workers are ranked for a light-support request, and how a whole queue is
assigned at once. Requests, the catalogue, scope and the pages are in ``portal.lightsupport``.

Read in this order:

- ``criteria``: each part of the score (continuity, needs, language, travel, workload) with its
  array form and its reason in words; the one list both the console and the batch loop over.
- ``scoring``: one pair's score and reasons, and the same for requests × workers.
- ``candidates``: who could take one request and when they are free (``schedule`` reads the
  schedule; free time is ``portal.booking.freetime``, laid on the step grid by ``grid``);
  ``continuity``: the cap on different workers per client.
- ``ranking``: one request's ranked workers, as the console shows them.
- ``batch``: "Fördela alla", the whole queue against every worker.
"""
