"""Number rendering for the human-readable explanations."""

from __future__ import annotations

from govperf.engine.rounding import round_half_up


def fmt(value: float, ndigits: int = 4) -> str:
    """Render ``value`` half-up rounded to at most ``ndigits`` decimals, no trailing zeros.

    >>> fmt(55.2), fmt(89.666666), fmt(100.0), fmt(1 / 3, 2)
    ('55.2', '89.6667', '100', '0.33')
    """
    rounded = round_half_up(float(value), ndigits)
    # The value is already rounded, so this only spells it out.
    text = f"{rounded:.{ndigits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def bilingual(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}
