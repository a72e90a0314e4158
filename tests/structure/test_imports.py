"""The shape of the code, read from its imports (no Django needed).

- no import cycle among the project's modules (module-level imports);
- no module imports another module's private (``_``-prefixed) names;
- an import inside a function is allowed only to break a real cycle or to
  load an optional/heavy dependency, and says so in a comment on its line
  or the line above (``# deferred: ...``).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("claims", "deliberation", "config")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _project_target(name: str) -> str | None:
    """The project module an imported dotted name lives in, if any."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, source: str):
        self.module = module
        self.lines = source.splitlines()
        self.depth = 0
        self.top: set[str] = set()
        self.private: list[str] = []
        self.unexplained: list[str] = []
        self.module_aliases: set[str] = set()  # names bound to project modules

    def _in_function(self, node) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = _in_function

    def _record(self, node, targets: list[str]) -> None:
        targets = [t for t in (_project_target(t) for t in targets) if t]
        if self.depth:
            here = self.lines[node.lineno - 1]
            above = self.lines[node.lineno - 2] if node.lineno > 1 else ""
            if "deferred:" not in here + above:
                self.unexplained.append(f"{self.module}:{node.lineno}")
            return
        self.top.update(t for t in targets if t != self.module)

    def visit_Import(self, node):
        for alias in node.names:
            if alias.asname and alias.name in MODULES:
                self.module_aliases.add(alias.asname)
        self._record(node, [alias.name for alias in node.names])

    def visit_Attribute(self, node):
        # ``other_module._helper``: a private name reached through a module.
        if (
            isinstance(node.value, ast.Name)
            and node.value.id in self.module_aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            self.private.append(f"{self.module}:{node.lineno} {node.attr}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        source = _resolve(self.module, node)
        targets = []
        for alias in node.names:
            full = f"{source}.{alias.name}"
            if full in MODULES:
                targets.append(full)  # a submodule
                self.module_aliases.add(alias.asname or alias.name)
            else:
                targets.append(source)
                if alias.name.startswith("_") and _project_target(source):
                    self.private.append(f"{self.module}:{node.lineno} {alias.name}")
        self._record(node, targets)


def _scan() -> dict[str, _Imports]:
    scans = {}
    for module, path in MODULES.items():
        source = path.read_text()
        visitor = _Imports(module, source)
        visitor.visit(ast.parse(source))
        scans[module] = visitor
    return scans


SCANS = _scan()


def _cycles() -> list[list[str]]:
    graph = {m: sorted(s.top) for m, s in SCANS.items()}
    # A package imports its __init__'s names; importing a submodule runs the
    # package's __init__, which is not a cycle unless __init__ imports back.
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return out


def test_the_scan_sees_the_project():
    assert "deliberation.services.voting" in MODULES
    assert "deliberation.rules" in SCANS["deliberation.services.voting"].top


def test_no_import_cycle():
    assert _cycles() == []


def test_no_module_imports_another_modules_private_names():
    private = [p for s in SCANS.values() for p in s.private]
    assert private == []


def test_function_level_imports_say_why():
    unexplained = [u for s in SCANS.values() for u in s.unexplained]
    assert unexplained == []
