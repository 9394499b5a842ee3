"""How much each part of the matching score weighs (part of ``portal.config.Settings``)."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Weights:
    continuity: float = 3.0
    needs: float = 2.0
    language: float = 2.0
    travel: float = 1.0
    workload: float = 1.0
    #: The client asked for a woman or a man: more than continuity, a stated wish before habit.
    gender: float = 4.0
    #: km/h for straight-line travel time (no map service needed).
    speed_kmh: float = 25.0

    def problems(self) -> list[str]:
        """What is wrong with these weights, as the setting's name and why."""
        found = [
            f"MATCH_WEIGHT_{f.name.upper()} must not be negative"
            for f in fields(self)
            if getattr(self, f.name) < 0
        ]
        if self.speed_kmh <= 0:
            found.append("MATCH_WEIGHT_SPEED_KMH must be more than 0")
        return found
