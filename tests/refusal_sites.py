"""Every refusal Tinget writes, found by reading the code (an AST walk, no import of it): the
English reason each refusal carries, with each placeholder filled with a sample value, so
``tests/test_refusals_translated.py`` can ask ``gateway.problem_texts`` for each in every
language.

A refusal is any of:

- a domain error (``events/errors.py``: ``InvalidInput`` and its reason, ``NotFound``,
  ``Conflict``, ``Forbidden``, ``Unauthenticated``, ``TooManyRequests``, ``Unavailable``, and
  every subclass the code defines), a ``gateway.problems.ProblemError`` (its detail), a
  problem the gateway writes itself (``problem(...)``), and litestar's ``ClientException`` and
  ``ValidationException`` (their messages);
- a (field, reason) pair put in a list that reaches ``InvalidInput.of(...)``, ``more=`` or an
  unpacking into (field, reason): a check that names several problems at once.

A reason is followed to where it is written: a literal, an f-string (each ``{...}`` a hole to
fill), a concatenation, either branch of a conditional, a local or module name (imported or
not) and what is assigned to it, what a function of the code returns, and a function's
parameter to the arguments every call of that function passes. A reason handed on from a
refusal caught (``error.reason``) was counted where it was raised. Whatever the walk cannot
follow is reported as unread, so a refusal written in a way it does not know fails the test
rather than passing unseen.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("gateway", "services", "tenants", "events")

# The refusals and the position of their reason among the arguments (then its keyword).
REFUSALS: dict[str, tuple[int, str]] = {
    "DomainError": (0, "reason"),
    "InvalidInput": (1, "reason"),
    "NotFound": (0, "reason"),
    "Conflict": (0, "reason"),
    "Forbidden": (0, "reason"),
    "Unauthenticated": (0, "reason"),
    "TooManyRequests": (0, "reason"),
    "Unavailable": (0, "reason"),
    "ProblemError": (2, "detail"),
    "ClientException": (0, "detail"),
}
# A problem the gateway writes itself: problem(request, status, title, detail, ...).
PROBLEM_FUNCTIONS: dict[str, tuple[int, str]] = {"problem": (3, "detail")}


@dataclass(frozen=True)
class Hole:
    """A ``{...}`` of an f-string: its expression as written, its conversion and spec."""

    expression: str
    conversion: int = -1
    spec: str = ""


Part = str | Hole
Variant = tuple[Part, ...]


@dataclass(frozen=True)
class Site:
    """One refusal: where it is written, what refuses, and its reason's variants."""

    path: str
    line: int
    refusal: str
    variants: tuple[Variant, ...]
    field: str | None = None  # a ProblemError's field: its detail reads "field: reason"
    status: int | None = None  # a status written in the call (ProblemError, problem())

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Unread:
    """A reason the walk could not follow to its text."""

    path: str
    line: int
    expression: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class _Module:
    name: str
    path: str
    tree: ast.Module
    parents: dict[ast.AST, ast.AST]
    functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]]
    constants: dict[str, ast.expr]
    imports: dict[str, tuple[str, str]]  # local name -> (module, name)
    nodes: list[ast.AST]  # every node, once
    calls: dict[str, list[ast.Call]]  # the calls by the name called (``f`` of ``x.f()``)


Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Walk:
    """The refusals found, and the reasons that could not be followed."""

    sites: list[Site] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)
    handed_on: int = 0  # reasons of a refusal caught, counted where it was raised


def _module_name(path: Path, root: Path) -> str:
    relative = path.relative_to(root).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def _load(path: Path, root: Path) -> _Module:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parents: dict[ast.AST, ast.AST] = {}
    functions: dict[str, list[Function]] = {}
    nodes = list(ast.walk(tree))
    calls: dict[str, list[ast.Call]] = {}
    for node in nodes:
        for child in ast.iter_child_nodes(node):
            parents[child] = node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.Call):
            called = _call_name(node)
            if called is not None:
                calls.setdefault(called, []).append(node)
    constants: dict[str, ast.expr] = {}
    imports: dict[str, tuple[str, str]] = {}
    name = _module_name(path, root)
    package = name.rsplit(".", 1)[0] if path.name != "__init__.py" else name
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            if isinstance(statement.target, ast.Name):
                constants[statement.target.id] = statement.value
        elif isinstance(statement, ast.ImportFrom) and statement.module is not None:
            source = statement.module
            if statement.level:
                base = package.split(".")[: len(package.split(".")) - statement.level + 1]
                source = ".".join([*base, statement.module])
            for alias in statement.names:
                imports[alias.asname or alias.name] = (source, alias.name)
    relative = str(path.relative_to(root))
    return _Module(name, relative, tree, parents, functions, constants, imports, nodes, calls)


def _spec(format_spec: ast.expr | None) -> str:
    """A format spec written as a literal (``{limit:g}``: ``g``)."""
    if not isinstance(format_spec, ast.JoinedStr):
        return ""
    return "".join(str(v.value) for v in format_spec.values if isinstance(v, ast.Constant))


def _literal(node: ast.expr) -> list[str]:
    """The texts a literal or a conditional of literals may be; [] for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literal(node.body), _literal(node.orelse)
        return body + orelse if body and orelse else []
    return []


def _line(node: ast.AST) -> int:
    return int(getattr(node, "lineno", 0))


def _number(node: ast.expr | None) -> int | None:
    """A literal whole number, or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    return None


def _call_name(call: ast.Call) -> str | None:
    function = call.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position and not any(
        isinstance(a, ast.Starred) for a in call.args[: position + 1]
    ):
        return call.args[position]
    for given in call.keywords:
        if given.arg == keyword:
            return given.value
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


class _Walker:
    def __init__(self, root: Path, layers: Sequence[str]) -> None:
        self.modules: dict[str, _Module] = {}
        for layer in layers:
            for path in sorted((root / layer).rglob("*.py")):
                module = _load(path, root)
                self.modules[module.name] = module
        self.own: dict[int, list[ast.AST]] = {}
        self.refusals = dict(REFUSALS)
        self._subclasses()
        self.exceptions = self._exceptions()
        self.walk = Walk()
        self.parameters_done: set[tuple[str, int, str, str, str | None, int | None]] = set()
        # the refusal whose reason is being followed: (what refuses, its field, its status)
        self.context: tuple[str, str | None, int | None] = ("", None, None)
        self.lists_done: set[tuple[str, int, str]] = set()
        self.resolving: set[tuple[str, int]] = set()

    def _subclasses(self) -> None:
        """The refusals the code derives from those above, each its base's reason position."""
        grew = True
        while grew:
            grew = False
            for module in self.modules.values():
                for node in module.nodes:
                    if not isinstance(node, ast.ClassDef) or node.name in self.refusals:
                        continue
                    for base in node.bases:
                        name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                        if name in self.refusals:
                            self.refusals[node.name] = self.refusals[name]
                            grew = True
                            break

    def _exceptions(self) -> set[str]:
        """The names of the exception classes: Python's, the code's and its libraries'."""
        names = {n for n in dir(builtins) if n.endswith(("Error", "Exception"))}
        names |= {"ValidationException", "HTTPException"}
        for module in self.modules.values():
            for node in module.nodes:
                if isinstance(node, ast.ClassDef) and any(
                    ast.unparse(b).split(".")[-1] in names or ast.unparse(b).endswith("Error")
                    for b in node.bases
                ):
                    names.add(node.name)
        return names

    # -- where a node is ----------------------------------------------------------------------

    def _enclosing(self, module: _Module, node: ast.AST) -> Function | None:
        current: ast.AST | None = module.parents.get(node)
        while current is not None and not isinstance(
            current, ast.FunctionDef | ast.AsyncFunctionDef
        ):
            current = module.parents.get(current)
        return current

    def _class_of(self, module: _Module, node: ast.AST) -> ast.ClassDef | None:
        current: ast.AST | None = module.parents.get(node)
        while current is not None and not isinstance(current, ast.ClassDef):
            current = module.parents.get(current)
        return current

    def _own_nodes(self, scope: ast.AST) -> list[ast.AST]:
        """The nodes of a function's body, not of the functions nested in it."""
        known = self.own.get(id(scope))
        if known is not None:
            return known
        found: list[ast.AST] = []
        pending = list(ast.iter_child_nodes(scope))
        while pending:
            node = pending.pop()
            found.append(node)
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                pending.extend(ast.iter_child_nodes(node))
        self.own[id(scope)] = found
        return found

    # -- the reasons ----------------------------------------------------------------------------

    def resolve(self, module: _Module, node: ast.expr, at: ast.AST) -> list[Variant] | None:
        """The texts ``node`` may be, each a sequence of literal parts and holes; [] when it is
        handed on from a refusal caught or a parameter (followed to its calls); None when it
        cannot be followed."""
        key = (module.path, id(node))
        if key in self.resolving:
            return []
        self.resolving.add(key)
        try:
            return self._resolve(module, node, at)
        finally:
            self.resolving.discard(key)

    def _resolve(self, module: _Module, node: ast.expr, at: ast.AST) -> list[Variant] | None:
        if isinstance(node, ast.Constant):
            return [(node.value,)] if isinstance(node.value, str) else []
        if isinstance(node, ast.JoinedStr):
            pieces: list[list[Variant]] = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    pieces.append([(str(value.value),)])
                elif isinstance(value, ast.FormattedValue):
                    pieces.append(self._hole(module, value, at))
            return [tuple(itertools.chain(*combo)) for combo in itertools.product(*pieces)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.resolve(module, node.left, at)
            right = self.resolve(module, node.right, at)
            if left is None or right is None:
                return None
            return [a + b for a, b in itertools.product(left, right)]
        if isinstance(node, ast.IfExp):
            body = self.resolve(module, node.body, at)
            orelse = self.resolve(module, node.orelse, at)
            if body is None or orelse is None:
                return None
            return body + orelse
        if isinstance(node, ast.Name):
            return self._name(module, node, at)
        if isinstance(node, ast.Attribute) and self._caught(module, node, at):
            self.walk.handed_on += 1
            return []
        if isinstance(node, ast.Call):
            if self._caught_text(module, node, at):
                self.walk.handed_on += 1
                return []
            if isinstance(node.func, ast.Attribute) and node.func.attr == "join":
                return [(Hole(ast.unparse(node)),)]
            if _call_name(node) == "N_" and len(node.args) == 1:
                # events.texts.N_ marks a text for the catalogues and returns it as it is:
                # its text is the argument here, not whatever every other mark hands it
                return self.resolve(module, node.args[0], at)
            return self._returned(module, node, at)
        return None

    def _caught_text(self, module: _Module, node: ast.Call, at: ast.AST) -> bool:
        """``str(error)`` of an exception caught or handled (a handler's parameter): its text
        was written where it was raised."""
        if not (
            isinstance(node.func, ast.Name)
            and node.func.id == "str"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Name)
        ):
            return False
        name = node.args[0].id
        scope = self._enclosing(module, at)
        if scope is None:
            return False
        caught = {n.name for n in self._own_nodes(scope) if isinstance(n, ast.ExceptHandler)}
        caught |= {  # refused = error
            t.id
            for n in self._own_nodes(scope)
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name) and n.value.id in caught
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        return name in caught or any(
            a.arg == name
            and a.annotation is not None
            and ast.unparse(a.annotation).split(".")[-1] in self.exceptions
            for a in scope.args.args
        )

    def _hole(self, module: _Module, value: ast.FormattedValue, at: ast.AST) -> list[Variant]:
        """A ``{...}``: what the code writes there when the walk can tell (a constant, a word
        chosen among literals, a local set to one), else a hole to fill."""
        spec = _spec(value.format_spec)
        static = self.static(module, value.value)
        if static is not None and value.conversion == -1:
            with suppress(ValueError, TypeError):
                return [(format(static, spec),)]
        if value.conversion == -1 and not spec:
            words = self._words(module, value.value, at)
            if words:
                return words
            if isinstance(value.value, ast.BoolOp) and isinstance(value.value.op, ast.Or):
                # {given or 'no reason given'}: the value, or the text written for none
                first, *others = value.value.values
                found: list[Variant] = [(Hole(ast.unparse(first)),)]
                for other in others:
                    found += self._words(module, other, at) or [(Hole(ast.unparse(other)),)]
                return found
        return [(Hole(ast.unparse(value.value), value.conversion, spec),)]

    def static(self, module: _Module, node: ast.expr) -> object | None:
        """The value of a constant expression of the code (``MAX_MEMBERS``, ``len(KINDS)``,
        ``', '.join(LANGUAGES)``, ``values.MAX_FEATURED_DIALOGS``), or None."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in module.constants:
                return self.static(module, module.constants[node.id])
            if node.id in module.imports:
                source, name = module.imports[node.id]
                other = self.modules.get(source)
                if other is not None and name in other.constants:
                    return self.static(other, other.constants[name])
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            imported = module.imports.get(node.value.id)
            other = self.modules.get(".".join(imported)) if imported else None
            if other is not None and node.attr in other.constants:
                return self.static(other, other.constants[node.attr])
            return None
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = [self.static(module, e) for e in node.elts]
            return None if any(i is None for i in items) else tuple(items)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id
            in (
                "frozenset",
                "tuple",
                "set",
                "sorted",
                "len",
            )
        ):
            inner = self.static(module, node.args[0]) if len(node.args) == 1 else None
            if inner is None or not isinstance(inner, tuple | str):
                return None
            return len(inner) if node.func.id == "len" else tuple(inner)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "range"
        ):
            bounds = [self.static(module, a) for a in node.args]
            if bounds and all(isinstance(b, int) for b in bounds):
                return tuple(range(*(int(str(b)) for b in bounds)))
            return None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "join"
            and len(node.args) == 1
        ):
            separator = self.static(module, node.func.value)
            joined = self.static(module, node.args[0])
            if isinstance(separator, str) and isinstance(joined, tuple):
                return separator.join(str(i) for i in joined)
            return None
        if isinstance(node, ast.Subscript):
            sequence, index = self.static(module, node.value), self.static(module, node.slice)
            if isinstance(sequence, tuple) and isinstance(index, int):
                found: object = sequence[index]
                return found
            return None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = self.static(module, node.operand)
            return -operand if isinstance(operand, int) else None
        if isinstance(node, ast.BinOp):
            left, right = self.static(module, node.left), self.static(module, node.right)
            if isinstance(left, int) and isinstance(right, int):
                operations: dict[type[ast.operator], Callable[[int, int], int]] = {
                    ast.Add: operator.add,
                    ast.Sub: operator.sub,
                    ast.Mult: operator.mul,
                    ast.Pow: operator.pow,
                }
                operation = operations.get(type(node.op))
                return None if operation is None else operation(left, right)
            return None
        if isinstance(node, ast.JoinedStr):
            written = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    written.append(str(value.value))
                    continue
                assert isinstance(value, ast.FormattedValue)
                inner = self.static(module, value.value)
                if inner is None or value.conversion != -1:
                    return None
                written.append(format(inner, _spec(value.format_spec)))
            return "".join(written)
        return None

    def _words(self, module: _Module, node: ast.expr, at: ast.AST) -> list[Variant]:
        """The texts a placeholder holds when the code writes them: a literal, a local name
        set to texts (``what = "PIN code" if ... else "sign-in link"``, an f-string of its
        own), a parameter every call passes a literal for; [] when it is a value."""
        if self._written(node):
            return self.resolve(module, node, at) or []
        if not isinstance(node, ast.Name):
            return []
        function = self._enclosing(module, at)
        if function is None:
            return []
        assigned = [v for n in self._own_nodes(function) for v in self._assigned(n, node.id)]
        if assigned and all(self._written(v) for v in assigned):
            found: list[Variant] = []
            for value in assigned:
                found += self.resolve(module, value, value) or []
            return found
        names = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        if assigned or node.id not in names:
            return []
        arguments = [argument for _, _, argument in self._arguments(module, function, node.id)]
        if not arguments or not all(_literal(a) for a in arguments):
            return []
        return sorted({(word,) for a in arguments for word in _literal(a)})

    def _written(self, node: ast.expr) -> bool:
        """A text the code writes itself: literals, f-strings, their sums and conditionals."""
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._written(node.left) and self._written(node.right)
        if isinstance(node, ast.IfExp):
            return self._written(node.body) and self._written(node.orelse)
        return False

    def _caught(self, module: _Module, node: ast.Attribute, at: ast.AST) -> bool:
        """``error.reason`` (or ``.field``) of a refusal caught by ``except ... as error``."""
        if not isinstance(node.value, ast.Name) or node.attr not in ("reason", "field"):
            return False
        scope = self._enclosing(module, at) or module.tree
        return any(
            isinstance(n, ast.ExceptHandler) and n.name == node.value.id
            for n in self._own_nodes(scope)
        )

    def _from_caught_errors(self, function: Function, name: str) -> bool:
        """``for field, reason in error.errors`` over a refusal caught by ``except ... as
        error``: each reason is that refusal's, handed on."""
        handlers = {
            n.name for n in self._own_nodes(function) if isinstance(n, ast.ExceptHandler) and n.name
        }
        return any(
            isinstance(n, ast.For)
            and isinstance(n.iter, ast.Attribute)
            and n.iter.attr == "errors"
            and isinstance(n.iter.value, ast.Name)
            and n.iter.value.id in handlers
            and any(isinstance(e, ast.Name) and e.id == name for e in ast.walk(n.target))
            for n in self._own_nodes(function)
        )

    def _name(self, module: _Module, node: ast.Name, at: ast.AST) -> list[Variant] | None:
        function = self._enclosing(module, at)
        if function is not None:
            if self._from_caught_errors(function, node.id):
                self.walk.handed_on += 1
                return []
            for n in self._own_nodes(function):
                unpacked = self._unpacked(n, node.id)
                if unpacked is not None:
                    self._errors(module, n, unpacked, "InvalidInput")
                    return []
            assigned = [
                value for n in self._own_nodes(function) for value in self._assigned(n, node.id)
            ]
            if assigned:
                found: list[Variant] = []
                for value in assigned:
                    if isinstance(value, ast.Constant) and value.value is None:
                        continue
                    variants = self.resolve(module, value, value)
                    if variants is None:
                        return None
                    found += variants
                return found
            names = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
            keywords = [a.arg for a in function.args.kwonlyargs]
            if node.id in names or node.id in keywords:
                self._parameter(module, function, node.id)
                return []
        if node.id in module.constants:
            return self.resolve(module, module.constants[node.id], module.constants[node.id])
        if node.id in module.imports:
            source, name = module.imports[node.id]
            other = self.modules.get(source)
            if other is not None and name in other.constants:
                return self.resolve(other, other.constants[name], other.constants[name])
        return None

    def _assigned(self, node: ast.AST, name: str) -> list[ast.expr]:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return [node.value]
        if (
            isinstance(node, ast.AnnAssign | ast.NamedExpr)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
            and node.value is not None
        ):
            return [node.value]
        return []

    @staticmethod
    def _unpacked(node: ast.AST, name: str) -> ast.expr | None:
        """The list ``name`` is unpacked from: ``(field, reason), *more = errors``."""
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Tuple) and any(
                    isinstance(e, ast.Name) and e.id == name for e in ast.walk(target)
                ):
                    return node.value
        return None

    def _returned(self, module: _Module, call: ast.Call, at: ast.AST) -> list[Variant] | None:
        """The texts a function of the code returns (a literal-returning helper)."""
        name = _call_name(call)
        candidates = self._functions(module, call)
        if not candidates or name is None:
            return None
        found: list[Variant] = []
        for owner, function in candidates:
            for node in self._own_nodes(function):
                if isinstance(node, ast.Return) and node.value is not None:
                    if isinstance(node.value, ast.Constant) and node.value.value is None:
                        continue
                    variants = self.resolve(owner, node.value, node)
                    if variants is None:
                        return None
                    found += variants
        return found

    def _functions(self, module: _Module, call: ast.Call) -> list[tuple[_Module, Function]]:
        name = _call_name(call)
        if name is None:
            return []
        if isinstance(call.func, ast.Name) and name in module.imports:
            source, original = module.imports[name]
            other = self.modules.get(source)
            if other is None:
                return []
            return [(other, f) for f in other.functions.get(original, [])]
        return [(module, f) for f in module.functions.get(name, [])]

    # -- a reason that is a parameter: followed to every call ---------------------------------

    def _parameter(self, module: _Module, function: Function, parameter: str) -> None:
        refusal, field, status = self.context
        key = (module.path, id(function), parameter, refusal, field, status)
        if key in self.parameters_done:
            return
        self.parameters_done.add(key)
        for other, call, argument in self._arguments(module, function, parameter):
            self._reason(other, call, argument, refusal, field, status)

    def _arguments(
        self, module: _Module, function: Function, parameter: str
    ) -> Iterator[tuple[_Module, ast.Call, ast.expr]]:
        """What each call of ``function`` passes for ``parameter``."""
        positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        method = bool(positional) and positional[0] in ("self", "cls")
        if method:
            positional = positional[1:]
        position = positional.index(parameter) if parameter in positional else -1
        # a method is called in its own module (by the class itself or the one that uses it);
        # a function there, or where it is imported (by name or with its module's name)
        for other in [module] if method else list(self.modules.values()):
            for node in other.calls.get(function.name, []):
                if not method and not self._calls(other, node, module, function.name):
                    continue
                argument = (
                    _argument(node, position, parameter)
                    if position >= 0
                    else _keyword(node, parameter)
                )
                if argument is not None:
                    yield other, node, argument

    def _calls(self, caller: _Module, call: ast.Call, module: _Module, name: str) -> bool:
        """Whether ``call`` (in ``caller``) calls the function ``name`` of ``module``."""
        if isinstance(call.func, ast.Name):
            if caller is module:
                return name not in caller.imports
            return caller.imports.get(name) == (module.name, name)
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            imported = caller.imports.get(call.func.value.id)
            return imported is not None and ".".join(imported) == module.name
        return False

    # -- the refusals ---------------------------------------------------------------------------

    def _reason(
        self,
        module: _Module,
        call: ast.AST,
        node: ast.expr,
        refusal: str,
        field: str | None = None,
        status: int | None = None,
    ) -> None:
        outer, self.context = self.context, (refusal, field, status)
        try:
            variants = self.resolve(module, node, call)
        finally:
            self.context = outer
        if variants is None:
            self.walk.unread.append(Unread(module.path, _line(call), ast.unparse(node)))
        elif variants:
            self.walk.sites.append(
                Site(module.path, _line(call), refusal, tuple(variants), field, status)
            )

    def run(self) -> Walk:
        for module in self.modules.values():
            for node in module.nodes:
                if isinstance(node, ast.Call):
                    self._call(module, node)
        return self.walk

    def _call(self, module: _Module, call: ast.Call) -> None:
        name = _call_name(call)
        if name is None:
            return
        if name in self.refusals and not (
            isinstance(call.func, ast.Attribute) and call.func.attr == "of"
        ):
            position, keyword = self.refusals[name]
            reason = _argument(call, position, keyword)
            if reason is not None:
                field = _keyword(call, "field")
                status = call.args[0] if call.args and name == "ProblemError" else None
                named = self.static(module, field) if field is not None else None
                field_name = named if isinstance(named, str) else None
                self._reason(module, call, reason, name, field_name, _number(status))
            more = _keyword(call, "more")
            if more is not None:
                self._errors(module, call, more, name)
        elif name == "of" and isinstance(call.func, ast.Attribute):
            owner = call.func.value
            if isinstance(owner, ast.Name) and owner.id in self.refusals and call.args:
                self._errors(module, call, call.args[0], owner.id)
        elif name == "ValidationException":
            extra = _keyword(call, "extra")
            if extra is None:
                reason = _argument(call, 0, "detail")
                if reason is not None:
                    self._reason(module, call, reason, name)
            elif isinstance(extra, ast.List):
                for item in extra.elts:
                    message = self._message(item)
                    if message is not None:
                        self._reason(module, call, message, name)
            else:
                self._dicts(module, call, extra, name)
        elif name in PROBLEM_FUNCTIONS and isinstance(call.func, ast.Name):
            position, keyword = PROBLEM_FUNCTIONS[name]
            detail = _argument(call, position, keyword)
            status = call.args[1] if len(call.args) > 1 else None
            if detail is not None and _number(status) is not None:
                self._reason(module, call, detail, name, status=_number(status))

    @staticmethod
    def _message(item: ast.expr) -> ast.expr | None:
        """The ``"message"`` of a litestar validation error written as a dict."""
        if not isinstance(item, ast.Dict):
            return None
        for key, value in zip(item.keys, item.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "message":
                return value
        return None

    def _dicts(self, module: _Module, call: ast.Call, extra: ast.expr, refusal: str) -> None:
        """A list of validation errors (dicts) built before: each ``"message"`` put in it."""
        if not isinstance(extra, ast.Name):
            self.walk.unread.append(Unread(module.path, call.lineno, ast.unparse(extra)))
            return
        function = self._enclosing(module, call)
        for node in self._own_nodes(function or module.tree):
            if (
                isinstance(node, ast.Call)
                and _call_name(node) == "append"
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == extra.id
                and node.args
            ):
                message = self._message(node.args[0])
                if message is not None:
                    self._reason(module, node, message, refusal)

    # -- lists of (field, reason) -------------------------------------------------------------

    def _errors(self, module: _Module, call: ast.AST, errors: ast.expr, refusal: str) -> None:
        """The (field, reason) pairs of a list that reaches a refusal: those appended to it,
        put in it when it is made, or returned by the function that made it."""
        if isinstance(errors, ast.Name):
            scope: ast.AST | None = self._enclosing(module, call)
            holder = errors.id
        elif (
            isinstance(errors, ast.Attribute)
            and isinstance(errors.value, ast.Name)
            and errors.value.id == "self"
        ):
            scope = self._class_of(module, call)
            holder = f"self.{errors.attr}"
        else:
            self._made(module, call, errors, refusal)
            return
        key = (module.path, id(scope), holder)
        if key in self.lists_done:
            return
        self.lists_done.add(key)
        self._list(module, scope or module.tree, holder, refusal)

    def _list(self, module: _Module, scope: ast.AST, holder: str, refusal: str) -> None:
        def named(node: ast.expr) -> bool:
            return ast.unparse(node) == holder

        nodes = list(ast.walk(scope)) if holder.startswith("self.") else self._own_nodes(scope)
        for node in nodes:
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Attribute) and named(node.func.value) and node.args:
                    if node.func.attr == "append":
                        self._pair(module, node.args[0], refusal, node)
                    elif node.func.attr == "extend":
                        self._errors(module, node, node.args[0], refusal)
                # the list handed to a function of the code that adds to it
                for position, argument in enumerate(node.args):
                    if named(argument):
                        self._handed(module, node, position, refusal)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if node.value is not None and any(named(t) for t in targets):
                    self._made(module, node, node.value, refusal)
            elif isinstance(node, ast.AugAssign) and named(node.target):
                self._made(module, node, node.value, refusal)

    def _made(self, module: _Module, at: ast.AST, value: ast.expr, refusal: str) -> None:
        if isinstance(value, ast.List | ast.Tuple):
            for item in value.elts:
                if isinstance(item, ast.Starred):
                    self._made(module, at, item.value, refusal)
                else:
                    self._pair(module, item, refusal, at)
        elif isinstance(value, ast.ListComp | ast.GeneratorExp):
            self._pair(module, value.elt, refusal, at)
        elif self._caught_errors(module, value, at):
            self.walk.handed_on += 1
        elif isinstance(value, ast.Call):
            for owner, function in self._functions(module, value):
                for node in self._own_nodes(function):
                    if isinstance(node, ast.Return) and node.value is not None:
                        self._made(owner, node, node.value, refusal)
        elif isinstance(value, ast.Name):
            scope = self._enclosing(module, at)
            key = (module.path, id(scope), value.id)
            if key not in self.lists_done:
                self.lists_done.add(key)
                self._list(module, scope or module.tree, value.id, refusal)
        elif isinstance(value, ast.BinOp):
            self._made(module, at, value.left, refusal)
            self._made(module, at, value.right, refusal)
        elif not (isinstance(value, ast.Constant) and value.value is None):
            line = getattr(at, "lineno", 0)
            self.walk.unread.append(Unread(module.path, line, ast.unparse(value)))

    def _caught_errors(self, module: _Module, value: ast.expr, at: ast.AST) -> bool:
        """``error.errors`` of a refusal caught: its pairs were counted where it was raised."""
        return (
            isinstance(value, ast.Attribute)
            and value.attr == "errors"
            and isinstance(value.value, ast.Name)
            and any(
                isinstance(n, ast.ExceptHandler) and n.name == value.value.id
                for n in self._own_nodes(self._enclosing(module, at) or module.tree)
            )
        )

    def _handed(self, module: _Module, call: ast.Call, position: int, refusal: str) -> None:
        for owner, function in self._functions(module, call):
            positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
            if positional and positional[0] in ("self", "cls"):
                positional = positional[1:]
            if position < len(positional):
                key = (owner.path, id(function), positional[position])
                if key not in self.lists_done:
                    self.lists_done.add(key)
                    self._list(owner, function, positional[position], refusal)

    def _pair(self, module: _Module, item: ast.expr, refusal: str, at: ast.AST) -> None:
        line = getattr(at, "lineno", getattr(item, "lineno", 0))
        if isinstance(item, ast.Tuple) and len(item.elts) == 2:
            reason = item.elts[1]
            variants = self.resolve(module, reason, at)
            if variants is None:
                self.walk.unread.append(Unread(module.path, line, ast.unparse(reason)))
            elif variants:
                self.walk.sites.append(Site(module.path, line, refusal, tuple(variants)))
        elif isinstance(item, ast.Name) and self._caught_pair(module, item, at):
            self.walk.handed_on += 1
        else:
            self.walk.unread.append(Unread(module.path, line, ast.unparse(item)))

    def _caught_pair(self, module: _Module, item: ast.Name, at: ast.AST) -> bool:
        """A pair taken from a refusal caught (``for pair in error.errors``)."""
        scope = self._enclosing(module, at) or module.tree
        for node in self._own_nodes(scope):
            if (
                isinstance(node, ast.For | ast.comprehension)
                and isinstance(node.target, ast.Name)
                and node.target.id == item.id
                and isinstance(node.iter, ast.Attribute)
                and node.iter.attr == "errors"
            ):
                return True
        return False


def walk(root: Path = ROOT, layers: Sequence[str] = LAYERS) -> Walk:
    """Every refusal of the code under ``root`` (its ``layers``), and what the walk could
    not read."""
    return _Walker(root, layers).run()


def variants_of(sites: Sequence[Site]) -> int:
    return sum(len(site.variants) for site in sites)
