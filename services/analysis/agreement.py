"""Agreement between an analysis's raters: Krippendorff's alpha at the interval level over
their significance ratings (the ``krippendorff`` package), the measure that takes any number
of raters and items a rater left unrated.

Alpha is 1 when raters agree perfectly, 0 when they agree as much as chance would, and below
0 when they disagree more than chance. It is not told (None) with fewer than two raters or
fewer than two rated items, nor when it is undefined: no item has two ratings to compare, or
every rating is the same value (no variation to agree on).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from uuid import UUID

import krippendorff
import numpy as np

__all__ = ["agreement"]


def agreement(ratings: Iterable[tuple[UUID, UUID, int]]) -> float | None:
    """Krippendorff's alpha (interval) of (item, rater, rating) triples, or None when it is
    not told (see the module)."""
    given = list(ratings)
    items = sorted({item for item, _, _ in given})
    raters = sorted({rater for _, rater, _ in given})
    if len(raters) < 2 or len(items) < 2:
        return None
    column = {item: i for i, item in enumerate(items)}
    row = {rater: i for i, rater in enumerate(raters)}
    matrix = np.full((len(raters), len(items)), np.nan)
    for item, rater, rating in given:
        matrix[row[rater], column[item]] = rating
    if not (np.sum(~np.isnan(matrix), axis=0) >= 2).any():
        return None  # no item two raters rated: nothing to compare
    if len(np.unique(matrix[~np.isnan(matrix)])) < 2:
        return None  # one value throughout: agreement is undefined
    try:
        alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval"))
    except ValueError:
        return None
    return None if math.isnan(alpha) else alpha
