"""The layout docs/architecture.md describes, checked: imports point down the data flow.

Every `import` in assistant/ (module level and inside functions alike, so a circle cannot
hide in a function) is read with `ast`; a module may import only modules of its own layer
or of the layers below, and the import graph has no circles.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "assistant"

# Lowest first: the foundations, then the data flow loaders -> quotes -> Chroma -> retrieve
# -> answer -> the library API -> the shells. A name ending in ".*" is a whole package (a
# module named exactly elsewhere, like quotes.answers, is in that layer instead).
LAYERS = [
    ["errors", "config", "types", "ids", "text", "db", "dates", "vectors"],
    ["embed", "embed_remote", "faults", "writer", "jobs", "feeds", "ingest", "ingest.loaders", "ingest.documents",
     "ingest.fetch", "ingest.sources", "ingest.chunking", "quotes", "quotes.*"],
    ["store"],
    ["keyword", "stories", "ingest.pipeline", "ingest.poll"],
    ["retrieve"],
    ["answer.*", "answer", "quotes.answers", "chat"],
    ["core"],
    # "": assistant/__init__ (its public names)
    ["web.*", "web", "cli", "remote", "integrations.*", "integrations", ""],
]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The assistant modules `name` imports (relative imports resolved)."""
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if name else []
    if not is_pkg:
        base = base[:-1]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                mod = ".".join(anchor + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
                if not (mod == "assistant" or mod.startswith("assistant.")):
                    continue
                mod = mod[len("assistant"):].lstrip(".")
            # `from . import core` imports a module; `from .x import name` imports x
            targets = [f"{mod}.{a.name}".strip(".") if f"{mod}.{a.name}".strip(".") in known
                       else mod for a in node.names]
        else:
            continue
        for t in targets:
            if t.startswith("assistant."):
                t = t[len("assistant."):]
            elif t == "assistant":
                t = ""
            if t in known and t != name:
                out.add(t)
    return out


def layer_of(name: str) -> int:
    for i, layer in enumerate(LAYERS):
        if name in layer:
            return i
    for i, layer in enumerate(LAYERS):
        if any(e.endswith(".*") and name.startswith(e[:-1]) for e in layer):
            return i
    raise AssertionError(f"assistant/{name or '__init__'}: add it to a layer in "
                         f"tests/test_architecture.py (and to docs/architecture.md)")


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {n: imports_of(n, p, set(mods)) for n, p in mods.items()}


def test_every_module_has_a_layer():
    for name in modules():
        layer_of(name)


def test_imports_only_point_down():
    upward = [f"{a} (layer {layer_of(a)}) imports {b} (layer {layer_of(b)})"
              for a, targets in graph().items() for b in sorted(targets)
              if layer_of(b) > layer_of(a)]
    assert upward == []


def test_no_import_circles():
    g = graph()
    circles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(g[n]):
            if state.get(m) == 1:
                circles.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(g):
        if n not in state:
            visit(n)
    assert circles == []


def test_the_top_level_ui_is_a_launcher():
    source = (ROOT / "ui.py").read_text(encoding="utf-8")
    code = [line for line in source.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    tree = ast.parse(source)
    body = [n for n in tree.body if not (isinstance(n, ast.Expr)
                                         and isinstance(n.value, ast.Constant))]
    assert len(body) <= 4 and len(code) <= 15, "ui.py should only launch assistant.web"
