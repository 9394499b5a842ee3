"""`boendestod serve` under gevent: patch the standard library before anything else loads.

gunicorn's gevent worker patches too, but only after the master has imported the app's
modules; by then urllib3 and aiohttp hold the unpatched ``ssl.SSLContext``, and an HTTPS call
to Twilio from a request would stop the whole process while it waits. So `serve` re-runs
itself through this module when it chooses gevent (``portal.cli.serve``).
"""

from gevent import monkey

monkey.patch_all()

from portal.cli import main  # noqa: E402 - must come after the patch

if __name__ == "__main__":
    main()
