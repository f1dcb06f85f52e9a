"""The shape ARCHITECTURE.md promises, checked on every run: imports go one way (features → core →
nothing of ours; pure rules → pure rules), no import circle anywhere (imports inside functions
count), no feature reaches into another's views, and no package or module grows past what a reader
can hold."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "okrapp"
FEATURES = {"accounts", "admin", "api", "board", "conflicts", "dashboard", "demo", "exports", "health",
            "incentives", "okrs", "reviews"}
IMPURE_LIBRARIES = ("flask", "flask_", "sqlalchemy", "werkzeug", "wtforms")
PURE_CORE = {"okrapp.core.formatting", "okrapp.core.words"}  # formatting is plain Python, shared by pages, mail and pure rules
MAX_MODULES_PER_PACKAGE = 12
MAX_MODULE_LINES = 500


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> tuple[set[str], set[str]]:
    """(okrapp modules, other top-level packages) that the module imports anywhere in its body."""
    ours, others = set(), set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target == "okrapp" or target.startswith("okrapp."):
                while target not in MODULES and "." in target:
                    target = target.rpartition(".")[0]
                if target != name:
                    ours.add(target)
            else:
                others.add(target.split(".")[0])
    return ours, others


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _feature(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES else None


def _is_pure(module: str) -> bool:
    parts = module.split(".")
    return module.startswith("okrapp.domain") or "rules" in parts[2:] or module in PURE_CORE


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_counting_imports_inside_functions():
    assert _cycles({name: ours for name, (ours, _) in GRAPH.items()}) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_core_imports_no_feature():
    wrong = {name: sorted(t for t in ours if not (t.startswith("okrapp.core") or t.startswith("okrapp.domain")))
             for name, (ours, _) in GRAPH.items() if name.startswith("okrapp.core")}
    assert {name: targets for name, targets in wrong.items() if targets} == {}


def test_no_feature_reaches_into_another_features_views():
    wrong = []
    for name, (ours, _) in GRAPH.items():
        for target in ours:
            owner = _feature(target)
            if owner and owner != _feature(name) and target.split(".")[-1] == "views" \
                    and name != "okrapp":  # the app factory registers every feature's blueprint
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_pure_rules_use_neither_flask_nor_the_database():
    wrong = []
    for name, (ours, others) in GRAPH.items():
        if not _is_pure(name):
            continue
        wrong += [f"{name} -> {lib}" for lib in others if lib.startswith(IMPURE_LIBRARIES)]
        wrong += [f"{name} -> {target}" for target in ours if not _is_pure(target)]
    assert wrong == []


def test_packages_hold_at_most_a_dozen_modules_side_by_side():
    counts = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name != "__init__.py":
            counts.setdefault(path.parent.relative_to(PACKAGE.parent).as_posix(), []).append(path.name)
    assert {folder: len(names) for folder, names in counts.items() if len(names) > MAX_MODULES_PER_PACKAGE} == {}


def test_modules_stay_under_five_hundred_lines():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) >= MAX_MODULE_LINES}
    assert long == {}
