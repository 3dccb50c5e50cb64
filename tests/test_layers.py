"""Imports point down (ARCHITECTURE.md, "Layers"): every module under ``bot/`` and ``content/`` is read
with :mod:`ast` and each import checked against the layer it sits in.

- The Slack edge (``bot/server.py``, ``bot/slack/``, ``bot/listeners/``) may import anything below it;
  listeners call services and never hold a database session themselves.
- Builders, services, the nudge machinery, storage, content and the Web API client know nothing of
  the inbound edge (Bolt, ``bot.slack``, the listeners, the server).
- Services, storage and content render nothing (``bot.blocks``); storage and content decide nothing
  (services, nudges); ``content`` stands alone.

Imports inside functions and under ``TYPE_CHECKING`` count too: a lazy import is still a dependency.
No two modules under ``bot/`` may depend on each other, directly or through others (issue 26): a cycle
is two modules that can only be understood, and changed, together.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EDGE = ("slack_bolt", "bot.slack", "bot.listeners", "bot.server")
"""The inbound Slack edge: Bolt, and our own code that receives Slack's requests."""


@dataclass(frozen=True)
class Rule:
    layer: tuple[str, ...]
    """Paths (relative to the repository, ``/``-separated) of the modules the rule covers; a folder ends in ``/``."""
    forbidden: tuple[str, ...]
    """Module prefixes none of them may import (``bot.blocks`` covers ``bot.blocks.home``)."""
    why: str


RULES = (
    Rule(
        ("bot/listeners/",),
        ("sqlalchemy", "bot.db.engine", "bot.db.models"),
        "listeners parse, call one service (which owns its transaction), render and answer",
    ),
    Rule(
        ("bot/services/", "bot/nudges/", "bot/tick/", "bot/blocks/", "bot/db/", "bot/webapi/", "content/"),
        EDGE,
        "only the edge knows Bolt and how requests arrive; the tick and the web app share everything below",
    ),
    Rule(
        ("bot/deps.py", "bot/settings.py", "bot/metrics.py"),
        (*EDGE, "bot.blocks", "bot.services", "bot.nudges", "bot.tick"),
        "what every layer shares depends on no layer",
    ),
    Rule(("bot/services/",), ("bot.nudges", "bot.tick"), "services are what nudges are built from, not the reverse"),
    Rule(("bot/nudges/",), ("bot.tick",), "the nudge pass is one of the tick's jobs and knows nothing of the others"),
    Rule(
        ("bot/services/", "bot/db/", "content/"),
        ("bot.blocks",),
        # A nudge kind (bot/nudges/kinds/) plans and renders in one module, so it may use the builders.
        "deciding (services) and storing never depend on how a thing is shown",
    ),
    Rule(
        ("bot/db/", "content/", "bot/webapi/"),
        ("bot.services", "bot.nudges", "bot.tick", "bot.blocks"),
        "storage, content and the Web API client sit below the logic that uses them",
    ),
    Rule(("content/",), ("bot",), "the roadmap content loads and validates on its own"),
)

ALLOWED: dict[tuple[str, str], str] = {}
"""(module, import) pairs excused from the rules, each with its reason; the list only ever shrinks."""

WIRE_FORMAT_MARKERS = ("&lt;", "&gt;", "&amp;", "<@", "<#", "<!", "<[@#!]", "<(https")
"""Slack's escaping and its ``<@U…|name>`` / ``<https://…|label>`` markup, as literals or regular expressions."""

WIRE_FORMAT_ALLOWED: dict[str, str] = {}


def _modules(root: Path) -> list[tuple[str, str]]:
    """(path relative to ``root``, dotted module name) for every Python file under bot/ and content/."""
    found = []
    for top in ("bot", "content"):
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            parts = relative.removesuffix(".py").split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append((relative, ".".join(parts)))
    return found


def _imported(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module name an import may bind: ``from a.b import c`` names ``a.b`` and ``a.b.c``."""
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def _covers(prefix: str, name: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _in_layer(path: str, layer: tuple[str, ...]) -> bool:
    return any(path.startswith(place) if place.endswith("/") else path == place for place in layer)


def import_violations(root: Path) -> set[tuple[str, str]]:
    """(module path, forbidden prefix) for each import that points the wrong way."""
    found = set()
    for path, module in _modules(root):
        tree = ast.parse((root / path).read_text(encoding="utf-8"), filename=path)
        imported = _imported(tree, module, path.endswith("__init__.py"))
        for rule in RULES:
            if not _in_layer(path, rule.layer):
                continue
            for prefix in rule.forbidden:
                if any(_covers(prefix, name) for name in imported):
                    found.add((path, prefix))
    return found


def wire_format_violations(root: Path) -> set[str]:
    """Services whose string literals hold Slack's escaping or markup: parsing that belongs at the edge."""
    found = set()
    for path, _module in _modules(root):
        if not path.startswith("bot/services/"):
            continue
        tree = ast.parse((root / path).read_text(encoding="utf-8"), filename=path)
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and any(marker in text for marker in WIRE_FORMAT_MARKERS):
                found.add(path)
    return found


def _without_type_checking(tree: ast.Module) -> ast.Module:
    """``tree`` without the bodies of ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) blocks."""

    class Strip(ast.NodeTransformer):
        def visit_If(self, node: ast.If) -> ast.AST | list[ast.stmt]:
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else ""
            if name == "TYPE_CHECKING":
                return [self.visit(stmt) for stmt in node.orelse]
            self.generic_visit(node)
            return node

    return Strip().visit(tree)  # type: ignore[no-any-return]


def import_cycles(root: Path) -> list[list[str]]:
    """Each set of ``bot`` modules that import one another, directly or round a loop (sorted names).

    An import names a module when it is one of ours (``from bot.services import brag`` names
    ``bot.services.brag``). Imports that run count, lazy ones inside functions too; those under
    ``if TYPE_CHECKING:`` never run and do not: two ORM models that name each other in their relationships'
    annotations (``Member.entries`` and ``BragEntry.member``) are one idea, not a loop. Tarjan's strongly
    connected components, iterative so that depth is no limit.
    """
    modules = {module: path for path, module in _modules(root) if _covers("bot", module)}
    graph = {
        module: sorted(
            name
            for name in _imported(
                _without_type_checking(ast.parse((root / path).read_text(encoding="utf-8"))),
                module,
                path.endswith("__init__.py"),
            )
            if name in modules and name != module
        )
        for module, path in modules.items()
    }
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []
    for start in sorted(graph):
        if start in order:
            continue
        work = [(start, iter(graph[start]))]
        order[start] = low[start] = len(order)
        stack.append(start)
        while work:
            node, edges = work[-1]
            following = next(edges, None)
            if following is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == order[node]:
                    component = stack[stack.index(node) :]
                    del stack[stack.index(node) :]
                    if len(component) > 1:
                        cycles.append(sorted(component))
            elif following not in order:
                order[following] = low[following] = len(order)
                stack.append(following)
                work.append((following, iter(graph[following])))
            elif following in stack:
                low[node] = min(low[node], order[following])
    return sorted(cycles)


def _why(path: str, prefix: str) -> str:
    return next(rule.why for rule in RULES if _in_layer(path, rule.layer) and prefix in rule.forbidden)


def test_imports_point_down() -> None:
    unexpected = sorted(import_violations(ROOT) - ALLOWED.keys())
    assert not unexpected, "\n".join(f"{path} imports {prefix}: {_why(path, prefix)}" for path, prefix in unexpected)


def test_services_never_parse_slack_wire_format() -> None:
    unexpected = sorted(wire_format_violations(ROOT) - WIRE_FORMAT_ALLOWED.keys())
    assert not unexpected, f"Slack's wire format belongs at the edge (bot/slack/): {unexpected}"


def test_no_import_cycle() -> None:
    assert import_cycles(ROOT) == [], "modules that import each other: move what both need below them"


def test_allow_list_has_no_stale_entry() -> None:
    """An exception that is gone comes off the list, so the list only ever shrinks."""
    assert sorted(ALLOWED.keys() - import_violations(ROOT)) == []
    assert sorted(WIRE_FORMAT_ALLOWED.keys() - wire_format_violations(ROOT)) == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def test_the_check_sees_each_kind_of_bad_import(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/listeners/__init__.py": "",
            "bot/listeners/thing.py": """
                def handler():
                    from sqlalchemy import select  # a lazy import counts
                """,
            "bot/listeners/ok.py": "from bot.services import stuck\nfrom bot.db.types import parse_row_id\n",
            "bot/services/__init__.py": "",
            "bot/services/thing.py": "from ..slack import acting\nimport bot.blocks.home\n",
            "bot/services/ok.py": "from bot.db import engine\nfrom content import Content\n",
            "bot/db/thing.py": "from bot.blocks.digest import page_count\n",
            "bot/nudges/kinds/ok.py": "from bot.blocks import nudges\nfrom bot.webapi import client\n",
            "content/__init__.py": "from bot import settings\n",
        },
    )
    assert import_violations(root) == {
        ("bot/listeners/thing.py", "sqlalchemy"),
        ("bot/services/thing.py", "bot.slack"),
        ("bot/services/thing.py", "bot.blocks"),
        ("bot/db/thing.py", "bot.blocks"),
        ("content/__init__.py", "bot"),
    }


def test_the_check_sees_wire_format_in_a_service(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/services/mentions.py": 'import re\nUSER = re.compile(r"<@(U[A-Z0-9]+)>")\n',
            "bot/services/plain.py": 'GREETING = "Hello <you>"\n',
            "content/__init__.py": "",
        },
    )
    assert wire_format_violations(root) == {"bot/services/mentions.py"}


def test_the_check_sees_an_import_cycle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/services/__init__.py": "",
            "bot/services/a.py": "from bot.services import b\n",
            "bot/services/b.py": "def later():\n    from .c import thing  # a lazy import closes the loop too\n",
            "bot/services/c.py": "import bot.services.a\n",
            "bot/services/d.py": "from bot.services.a import thing\nfrom bot.services import c\n",
            "bot/db/__init__.py": "",
            # An annotation-only import back never runs: no loop.
            "bot/db/people.py": "import typing\nif typing.TYPE_CHECKING:\n    from bot.db.wins import W\n",
            "bot/db/wins.py": "from bot.db.people import Person\n",
            "content/__init__.py": "",
        },
    )
    assert import_cycles(root) == [["bot.services.a", "bot.services.b", "bot.services.c"]]
