"""The contexts' declarations (tinget/contexts) hang together: each aggregate in one context,
read model names unique, every event type a read model takes known to the catalogue, and the
policies before the read models that show what they record. No PostgreSQL or NATS needed:
the read models are made from a stand-in for the request side's services."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from events.codec import Codec
from tinget.catalogue import build_catalogue
from tinget.contexts import CONTEXTS


def _read_models() -> list[Any]:
    codec = Codec(build_catalogue())
    app: Any = SimpleNamespace(
        codec=codec,
        participation=SimpleNamespace(record_threshold=None),
        gamification=SimpleNamespace(record_awards=None),
    )
    return [model for context in CONTEXTS for model in context.read_models(app)]


def test_each_aggregate_and_name_is_declared_once() -> None:
    aggregates = [a for c in CONTEXTS for a in c.aggregates]
    names = [c.name for c in CONTEXTS]

    assert len(aggregates) == len(set(aggregates))
    assert len(names) == len(set(names))


def test_every_event_type_a_read_model_takes_is_in_the_catalogue() -> None:
    known = {d.name for d in build_catalogue().definitions()}
    models = _read_models()

    assert len({m.name for m in models}) == len(models)
    for model in models:
        assert model.event_types <= known, (model.name, sorted(model.event_types - known))


def test_policies_apply_before_the_read_models_that_show_what_they_record() -> None:
    order = [m.name for m in _read_models()]

    assert order.index("threshold_policy") < order.index("gamification_policy")
    assert order.index("gamification_policy") < order.index("gamification_progress")
    assert order[-1] == "notifier"
