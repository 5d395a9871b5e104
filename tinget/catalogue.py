"""The event catalogue: every bounded context's aggregates, registered under its name."""

from __future__ import annotations

from events.catalogue import Catalogue
from tinget.contexts import CONTEXTS


def build_catalogue() -> Catalogue:
    catalogue = Catalogue()
    for context in CONTEXTS:
        for aggregate in context.aggregates():
            catalogue.register(aggregate, context.name)
    return catalogue
