"""Demo data: the people of the municipal reports, plus enough generated ones to feel real.

``world`` seeds it; ``names`` holds who lives there, ``weeks`` their decisions and visits.
"""

from .world import seed

__all__ = ["seed"]
