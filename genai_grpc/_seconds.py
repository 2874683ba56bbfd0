"""The one check of the durations callers pass in: timeouts and policy fields. Pure code."""

from __future__ import annotations

import math


def check(
    value: object, what: str, *, positive: bool = False, finite: bool = True, optional: bool = False
) -> float | None:
    """`value` as a float: a number (not a bool) >= 0, or > 0 when `positive`; infinity only
    when not `finite`; None only when `optional`. ValueError naming `what` otherwise."""
    if value is None and optional:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        in_range = value > 0 if positive else value >= 0
        if in_range and (math.isfinite(value) or not finite):
            return float(value)
    wanted = f"{'None or ' * optional}a {'finite ' * finite}number {'> 0' if positive else '>= 0'}"
    raise ValueError(f"{what} must be {wanted}, got {value!r}")
