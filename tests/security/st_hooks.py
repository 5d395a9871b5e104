"""Schemathesis hooks for the generated API tests (loaded through ``SCHEMATHESIS_HOOKS``).

For each call: the caller is drawn (administrator, moderator, participant, or no token), as
schemathesis auth; and, outside the stateful phase, a path id is often swapped for the id of
something that exists in the municipality (a dialog of each kind, posts, comments, people,
notifications, an image), so generated requests reach the code behind the lookups instead of
stopping at 404. After each
call: the call is counted by operation, caller, phase and status, and the counts are written to
the file the test reads. The draws come from a seeded generator, so a run can be repeated.
"""

from __future__ import annotations

import atexit
import json
import os
import random
from collections import Counter
from pathlib import Path
from typing import Any

import schemathesis
from requests.structures import CaseInsensitiveDict
from schemathesis import Case

MIN_POSITION = "Tinget-Min-Position"
_CONFIG: dict[str, Any] = json.loads(Path(os.environ["TINGET_ST_CONFIG"]).read_text())
_RNG = random.Random(_CONFIG["seed"])
_ROLES: list[str] = list(_CONFIG["tokens"])
_WEIGHTS: list[int] = [_CONFIG["weights"][r] for r in _ROLES]
_OUT = Path(_CONFIG["counts_path"])
# operations whose success changes a dialog for good get only the ids meant for that
_ONLY: dict[str, dict[str, list[str]]] = _CONFIG.get("only", {})
# operations that take back their caller's tokens are called with tokens of their own
_DISPOSABLE: dict[str, list[str]] = _CONFIG.get("disposable", {})

_counts: dict[str, Counter[str]] = {
    "operation": Counter(),
    "role": Counter(),
    "phase": Counter(),
    "status": Counter(),
    "operation_role": Counter(),
}
_role_of: dict[int, str] = {}


def _phase(case: Case[Any]) -> str:
    meta = case.meta
    phase = getattr(meta, "phase", None) if meta is not None else None
    name = getattr(phase, "name", None)
    return str(getattr(name, "value", name) or "unknown")


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: Case[Any], kwargs: Any) -> None:
    del context, kwargs
    label = f"{case.operation.method.upper()} {case.operation.path}"
    if _phase(case) != "stateful" and case.path_parameters:
        known = _ONLY.get(label, _CONFIG["ids"])
        for name in list(case.path_parameters):
            if name in known and known[name] and _RNG.random() < 0.7:
                case.path_parameters[name] = _RNG.choice(known[name])
    if case.headers is not None:
        # A position far ahead of the log waits its bounded time and then answers 503, as
        # documented (tests/test_read_your_writes.py proves it); here a valid one is one that
        # has been reached, so the generated calls reach the operation behind the wait.
        asked = case.headers.get(MIN_POSITION)
        if isinstance(asked, str) and asked.strip().isdigit() and int(asked) > 0:
            case.headers[MIN_POSITION] = "1"


@schemathesis.auth(refresh_interval=None)
class Caller:
    """The caller of each request, drawn anew every time: a token of the administrator, the
    moderator or a participant, or none (anonymous). Given as schemathesis auth, so its
    checks know the token is a real one: they call again without it, or with a forged one,
    and expect a refusal where the document requires the bearer token."""

    def get(self, case: Case[Any], context: schemathesis.AuthContext) -> str | None:
        del context
        label = f"{case.operation.method.upper()} {case.operation.path}"
        role = _RNG.choices(_ROLES, _WEIGHTS)[0]
        _role_of[id(case)] = role
        token: str | None = _CONFIG["tokens"][role]
        if token and label in _DISPOSABLE:  # a call that takes back its caller's tokens
            token = _RNG.choice(_DISPOSABLE[label])
        return token

    def set(self, case: Case[Any], data: str, context: schemathesis.AuthContext) -> None:
        del context
        if case.headers is None:
            case.headers = CaseInsensitiveDict()
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: Case[Any], response: schemathesis.Response
) -> None:
    del context
    label = f"{case.operation.method.upper()} {case.operation.path}"
    role = _role_of.pop(id(case), "anonymous")  # no token of ours was drawn for it
    _counts["operation"][label] += 1
    _counts["role"][role] += 1
    _counts["phase"][_phase(case)] += 1
    _counts["status"][str(response.status_code)] += 1
    _counts["operation_role"][f"{label} as {role}"] += 1
    total = sum(_counts["operation"].values())
    if total % 50 == 0:
        _write()


def _write() -> None:
    partial = _OUT.with_suffix(".partial")
    partial.write_text(json.dumps({k: dict(v) for k, v in _counts.items()}))
    partial.replace(_OUT)


atexit.register(_write)
