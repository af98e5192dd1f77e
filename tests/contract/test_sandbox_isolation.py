"""Nothing outside ``tracker_rsc/sandbox/`` imports the sandbox (docs/architecture.md §6).

Tracker must reach the simulated LinkedIn only over HTTP, exactly as it reaches LinkedIn, so
that switching ``LINKEDIN_SANDBOX`` off leaves no code path into it. Two references are
allowed, both by name rather than by import: ``tracker_rsc/settings.py`` may list the app,
and ``tracker_rsc/urls.py`` may mount ``include("tracker_rsc.sandbox.urls")`` inside an
``if`` on ``LINKEDIN_SANDBOX``. ``tests/`` and ``bench/`` drive the sandbox on purpose and are
not part of the product.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SANDBOX = "tracker_rsc.sandbox"
NOT_PRODUCT = {"tests", "bench", ".venv", "var", "node_modules", "build", "dist"}
SETTINGS = "tracker_rsc/settings.py"
ROOT_URLS = "tracker_rsc/urls.py"
# Calls that import a module named by a string.
IMPORTING_CALLS = {"import_module", "__import__", "include", "import_string", "find_spec"}


def _names_sandbox(module: str | None) -> bool:
    return module is not None and (module == SANDBOX or module.startswith(SANDBOX + "."))


def _module_name(relative: str) -> str:
    parts = relative.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, relative: str) -> str | None:
    """The absolute module an ``ImportFrom`` names (relative imports resolved)."""
    if node.level == 0:
        return node.module
    package = _module_name(relative).split(".")
    if not relative.endswith("__init__.py"):
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*base, node.module] if node.module else base)


def _guarded_by_sandbox_flag(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    current = parents.get(node)
    while current is not None:
        if isinstance(current, ast.If) and "LINKEDIN_SANDBOX" in ast.unparse(current.test):
            return True
        current = parents.get(current)
    return False


def sandbox_references(source: str, relative: str) -> list[str]:
    """Every way ``source`` (the file at ``relative``) reaches into the sandbox, as messages."""
    tree = ast.parse(source, filename=relative)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found: list[str] = []
    for node in ast.walk(tree):
        where = f"{relative}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            found += [f"{where} imports {a.name}" for a in node.names if _names_sandbox(a.name)]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, relative)
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
            if any(_names_sandbox(target) for target in targets):
                found.append(f"{where} imports from {module}")
        elif isinstance(node, ast.Call):
            function = node.func
            name = getattr(function, "id", None) or getattr(function, "attr", None)
            strings = [
                a.value
                for a in node.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            if name in IMPORTING_CALLS and any(_names_sandbox(s) for s in strings):
                allowed = (
                    relative == ROOT_URLS
                    and name == "include"
                    and _guarded_by_sandbox_flag(node, parents)
                )
                if not allowed:
                    found.append(f"{where} {name}({strings[0]!r})")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _names_sandbox(node.value)
            and relative not in (SETTINGS, ROOT_URLS)
            and not isinstance(parents.get(node), ast.Expr)  # a docstring may mention it
        ):
            found.append(f"{where} names {node.value!r}")
    return found


def product_files() -> list[Path]:
    files = []
    for path in REPO_ROOT.rglob("*.py"):
        relative = path.relative_to(REPO_ROOT)
        if relative.parts[0] in NOT_PRODUCT or relative.parts[0].startswith("."):
            continue
        if relative.as_posix().startswith("tracker_rsc/sandbox/"):
            continue
        files.append(path)
    return files


def test_no_product_module_reaches_into_the_sandbox():
    files = product_files()
    assert len(files) > 50  # the walk really covers the project
    assert REPO_ROOT / ROOT_URLS in files and REPO_ROOT / "syncjobs" / "views.py" in files

    found = [
        message
        for path in files
        for message in sandbox_references(
            path.read_text(encoding="utf-8"), path.relative_to(REPO_ROOT).as_posix()
        )
    ]

    assert found == []


def test_the_root_urls_mount_the_sandbox_only_behind_the_flag():
    source = (REPO_ROOT / ROOT_URLS).read_text(encoding="utf-8")

    assert 'include("tracker_rsc.sandbox.urls")' in source  # the allowance is in use
    assert sandbox_references(source, ROOT_URLS) == []


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("syncjobs/tasks.py", "import tracker_rsc.sandbox.models\n"),
        ("syncjobs/tasks.py", "from tracker_rsc.sandbox import services as sandbox\n"),
        ("syncjobs/tasks.py", "from tracker_rsc import sandbox\n"),
        ("tracker_rsc/views.py", "from .sandbox.models import Member\n"),
        ("tracker_rsc/views.py", "from . import sandbox\n"),
        ("tracker_rsc/api/views.py", "from ..sandbox import pushes\n"),
        ("syncjobs/tasks.py", "def f():\n    from tracker_rsc.sandbox.pushes import sign\n"),
        ("syncjobs/tasks.py", "import importlib\nimportlib.import_module('tracker_rsc.sandbox')\n"),
        (
            "syncjobs/tasks.py",
            "from django.utils.module_loading import import_string\n"
            "sign = import_string('tracker_rsc.sandbox.pushes.sign')\n",
        ),
        ("syncjobs/tasks.py", "PATCH = 'tracker_rsc.sandbox.tasks.enqueue_delivery'\n"),
        (ROOT_URLS, "urlpatterns = [path('sandbox/', include('tracker_rsc.sandbox.urls'))]\n"),
        (ROOT_URLS, "if DEBUG:\n    urlpatterns += [include('tracker_rsc.sandbox.urls')]\n"),
        (SETTINGS, "from tracker_rsc.sandbox.limits import FAMILIES\n"),
    ],
)
def test_a_reference_to_the_sandbox_is_found(relative, source):
    assert sandbox_references(source, relative) != []


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        (
            ROOT_URLS,
            "if settings.LINKEDIN_SANDBOX:\n"
            "    urlpatterns += [path('sandbox/', include('tracker_rsc.sandbox.urls'))]\n",
        ),
        (SETTINGS, "INSTALLED_APPS = ['tracker_rsc', 'tracker_rsc.sandbox']\n"),
        ("syncjobs/tasks.py", "import tracker_rsc.sandboxing\nfrom tracker_rsc import linkedin\n"),
        ("syncjobs/tasks.py", '"""Never imports tracker_rsc.sandbox."""\n'),
    ],
)
def test_allowed_references_are_not_flagged(relative, source):
    assert sandbox_references(source, relative) == []
