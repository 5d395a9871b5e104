"""The contexts' declarations (``<context folder>/context.py``, listed in tinget/contexts.py) hang
together: each aggregate in one context, read model names unique, every event type a read model
takes known to the catalogue, the policies before the read models that show what they record,
and each context's commands part of ``tinget``, a name one context's. No PostgreSQL or NATS
needed: the read models are made from a stand-in for the request side's services."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import click
import pytest
import structlog
from click.testing import CliRunner

from events.codec import Codec
from services.analysis.context import ANALYSIS
from services.identity.keys import Keys
from tenants.migrate import in_order
from tinget.catalogue import build_catalogue
from tinget.cli import add_context_commands, main
from tinget.contexts import CONTEXTS, Context, migrations


def _stand_in() -> Any:
    return SimpleNamespace(
        codec=Codec(build_catalogue()),
        keys=Keys(b"k" * 32),
        participation=SimpleNamespace(record_threshold=None, carry_supports=None),
        gamification=SimpleNamespace(record_awards=None),
    )


def _read_models() -> list[Any]:
    app = _stand_in()
    return [model for context in CONTEXTS for model in context.read_models(app)]


def test_each_aggregate_and_name_is_declared_once() -> None:
    aggregates = [a for c in CONTEXTS for a in c.aggregates()]
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


# tinget/cli.py's own commands; every other one is a context's
PLATFORM_COMMANDS = {
    "serve",
    "gateway",
    "relay",
    "project",
    "migrate",
    "rebuild",
    "catalogue",
    "status",
}
CONTEXT_COMMANDS = {
    "tenants": {"tenants"},
    "identity": {"people", "platform-token", "platform-staff"},
    "audit": {"audit"},
    "notifications": {"notifications"},
    "analysis": {"analysis"},
}


@pytest.fixture
def tinget_logging_undone() -> Iterator[None]:
    """Calling ``tinget`` in this process configures its logging (loggers cached on first use,
    a handler on stderr); undo that, or a later test's logger would stay bound to it and that
    test's log capture see nothing."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        structlog.reset_defaults()
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.mark.usefixtures("tinget_logging_undone")
def test_every_context_s_commands_are_reachable_from_tinget() -> None:
    declared = {c.name: {command.name for command in c.commands()} for c in CONTEXTS}
    shown = CliRunner().invoke(main, ["--help"], prog_name="tinget")

    assert {name: names for name, names in declared.items() if names} == CONTEXT_COMMANDS
    assert shown.exit_code == 0, shown.output
    listed = {line.split()[0] for line in shown.output.split("Commands:")[1].splitlines() if line}
    assert listed == PLATFORM_COMMANDS.union(*CONTEXT_COMMANDS.values())
    for context in CONTEXTS:
        for command in context.commands():
            assert main.commands[str(command.name)] is command, (context.name, command.name)
            for name in command.commands if isinstance(command, click.Group) else ():
                args = [str(command.name), name]
                helped = CliRunner().invoke(main, [*args, "--help"], prog_name="tinget")
                assert helped.exit_code == 0, helped.output
                assert helped.output.startswith(f"Usage: tinget {' '.join(args)} ")


# commands of the stand-in contexts below, named by import path as a declaration names its own
tenants_command = click.Command("tenants")
people_command = click.Command("people")
migrate_command = click.Command("migrate")


def _context(name: str, *commands: str) -> Context[Any]:
    paths = tuple(f"{__name__}:{command}_command" for command in commands)
    return Context[Any](name, package="services", command_paths=paths)


def test_a_command_name_belongs_to_one_context() -> None:
    group = click.Group("tinget", commands=[click.Command("migrate")])
    add_context_commands(group, [_context("tenants", "tenants"), _context("identity", "people")])

    twice = [_context("identity", "people"), _context("audit", "people")]
    with pytest.raises(ValueError, match="context audit declares the command 'people', which"):
        add_context_commands(click.Group("tinget"), twice)
    with pytest.raises(ValueError, match="'migrate', which the platform has"):
        add_context_commands(group, [_context("audit", "migrate")])
    assert set(group.commands) == {"migrate", "tenants", "people"}


def test_making_the_tinget_command_loads_neither_domain_nor_platform() -> None:
    """Every context's commands are made on every call of ``tinget``: the declarations import
    their aggregates and read models when asked for them, and the command modules leave the
    platform, the web server and NATS to the command bodies."""
    heavy = ("tinget.bootstrap", "tinget.runner", "tinget.app", "litestar", "uvicorn", "nats")
    code = (
        "import sys; from tinget.cli import main; print(sorted(m for m in sys.modules"
        f" if m in {heavy!r} or m.split('.')[0] in ('eventsourcing', 'projections')));"
        " print(sorted(main.commands))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.splitlines() == [
        "[]",
        str(sorted(PLATFORM_COMMANDS.union(*CONTEXT_COMMANDS.values()))),
    ]
    assert done.stderr == ""


def test_a_context_s_read_models_and_migrations_live_in_its_own_folder() -> None:
    """Adding a read model touches its context's folder only: the module, its migration and the
    declaration all sit in ``context.package``."""
    for context in CONTEXTS:
        models = context.read_models(_stand_in())
        for model in models:
            module = type(model).__module__
            assert module.startswith(f"{context.package}."), (context.name, module)
        declaration = sys.modules[f"{context.package}.context"]
        assert any(c is context for c in vars(declaration).values()), context.name
    owned = [name for context in CONTEXTS for name, _ in context.migrations()]
    assert sorted(owned) == [name for name, _ in migrations()]
    assert "0025_analysis" in {name for name, _ in ANALYSIS.migrations()}


# Migrations that changed another context's table before this check: kept as they ran.
_ALTERED_ACROSS = {
    ("0005_moderation", "posts"),
    ("0030_post_merges", "posts"),
    ("0048_dialog_translations", "dialogs"),
    ("0048_dialog_translations", "notification_dialogs"),
    ("0054_budget_imported_projects", "notification_projects"),
}
_CREATE = re.compile(r"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
_ALTER = re.compile(r"\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(\w+)", re.IGNORECASE)


def test_a_context_s_migrations_change_only_its_own_tables() -> None:
    """A context changes the tables its own migrations created, never another's: a column
    another context needs is that context's migration (the few that did so before are
    listed and kept as they ran)."""
    owner: dict[str, str] = {}
    for context in CONTEXTS:
        for _, sql in context.migrations():
            for table in _CREATE.findall(sql):
                owner.setdefault(table.lower(), context.name)
    assert owner["notification_projects"] == "notifications"  # the check reads the files
    across = set()
    for context in CONTEXTS:
        for name, sql in context.migrations():
            for table in _ALTER.findall(sql):
                if owner.get(table.lower(), context.name) != context.name:
                    across.add((name, table.lower()))
    assert across == _ALTERED_ACROSS


def test_declarations_name_controllers_in_the_gateway_and_commands_in_tinget() -> None:
    """A declaration names what sits above its folder by import path; each path resolves, to
    the HTTP edge's controllers and the composition root's commands only."""
    for context in CONTEXTS:
        assert all(p.startswith("gateway.") for p in context.controller_paths), context.name
        assert all(p.startswith("tinget.commands.") for p in context.command_paths), context.name
        assert all(isinstance(c, type) for c in context.controllers()), context.name
    with pytest.raises(ValueError, match=r"'gateway\.polls:Nothing' names nothing importable"):
        Context[Any](
            "x", package="services", controller_paths=("gateway.polls:Nothing",)
        ).controllers()


def test_two_migrations_of_one_name_are_refused() -> None:
    twice = [("0030_a", "SELECT 1"), ("0029_b", "SELECT 1"), ("0030_a", "SELECT 2")]

    with pytest.raises(ValueError, match="two migrations are named '0030_a'"):
        in_order(twice)
    assert in_order(twice[:2]) == [("0029_b", "SELECT 1"), ("0030_a", "SELECT 1")]
