"""No import cycle among the project's modules, and each layer imports only downward.

Every ``import`` statement counts, also those inside functions (a lazy
import hides a cycle from the interpreter at start-up but not from the
reader, and the next refactoring makes it a circular-import crash);
``if TYPE_CHECKING:`` blocks do not.
"""
import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sensors", "analysis", "toehold")
# Bottom to top: a module may import its own layer and those below it.
LAYER = {"sensors": 0, "analysis": 1, "toehold": 2}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules its import statements name (a copy: the tests may change it)."""
    return {name: set(targets) for name, targets in _import_graph().items()}


@functools.lru_cache(maxsize=1)
def _import_graph() -> dict[str, set[str]]:
    # Parsed once for the three tests that read it (about a second of CPU each).
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        skip = _type_checking_nodes(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                targets.add(mod)
                # ``from pkg import module`` imports that module.
                targets |= {f"{mod}.{a.name}" for a in node.names}
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    # A known graph, so that an empty answer below means something.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    # toehold.cli imports analysis.pipeline only inside version().
    assert "analysis.pipeline" in graph["toehold.cli"]
    assert len(graph) > 50


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_layers_import_only_downward():
    """sensors imports neither analysis nor toehold; analysis does not import toehold."""
    upward = sorted(f"{m} -> {t}" for m, ts in import_graph().items() for t in ts
                    if LAYER[t.split(".")[0]] > LAYER[m.split(".")[0]])
    assert upward == []
