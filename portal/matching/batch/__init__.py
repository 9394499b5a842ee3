""" "Fördela alla": the whole queue against every worker at once (``plan``), from what
``world`` reads, keeping the best few suggestions per request (``kept``)."""

from .plan import BLOCKS, Plan, optimal, plan

__all__ = ["BLOCKS", "Plan", "optimal", "plan"]
