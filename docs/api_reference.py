"""Write docs/api.md, the API reference, from the docstrings of the public API.

    python docs/api_reference.py          # rewrite docs/api.md
    python docs/api_reference.py --check  # exit 1, naming the first changed line, when stale

The source is read with :mod:`ast`, never imported: no optional extra is needed, and the
page is the same on every Python and library version (``tests/test_api_docs.py`` checks
that the checked-in page is current, and that each docstring has the sections it needs).

What is public, defined here once:

- the modules of ``kvasir_seg``, ``kvasir_seg_hf`` and ``kvasir_seg_tfds``, and the
  ``evaluate`` module (``kvasir_seg/evaluate_module/kvasir_seg.py``); not ``kvasir_seg.app``
  (the command line's internals: docs/cli.md documents the command), ``__main__``, test
  modules, nor the per-dataset folders of ``kvasir_seg_tfds`` (``kvasir_seg_tfds/<name>/``,
  written by ``python -m kvasir_seg_tfds.generate``: a ``Builder`` made from the spec);
- in a module, the names of its ``__all__`` when it has one, else the names without a
  leading underscore that it defines: functions, classes, and constants (an assignment to
  an upper-case name, or one with a ``#:`` comment above it);
- a name of ``__all__`` imported from another module is documented where it is defined
  (public there too), and listed where it is re-exported;
- in a public class, the methods and properties without a leading underscore that the
  class itself defines.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "api.md"
#: The top-level packages whose modules are read.
PACKAGES = ("kvasir_seg", "kvasir_seg_hf", "kvasir_seg_tfds")
#: Modules left out with everything below them (see the module docstring).
EXCLUDED = ("kvasir_seg.app", "kvasir_seg.__main__")
#: The sections a docstring may have (Google style), each on a line of its own.
SECTIONS = (
    "Args",
    "Attributes",
    "Returns",
    "Yields",
    "Raises",
    "Example",
    "Examples",
    "Note",
    "Notes",
    "Warning",
)
_SECTION = re.compile(rf"^({'|'.join(SECTIONS)}):\s*$")
_ITEM = re.compile(r"^(\*{0,2}[\w.]+)(?: \([^)]*\))?:\s*(.*)$")
_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj):`~?([^`]+)`")


@dataclass(frozen=True)
class Entry:
    """One public function, class, method, property or constant, as read from the source."""

    module: str
    qualname: str
    #: ``function``, ``class``, ``method``, ``property`` or ``constant``.
    kind: str
    #: What the page shows as the signature (the source's own text).
    signature: str
    docstring: str | None
    path: Path
    line: int
    #: The parameters a caller passes (no ``self`` / ``cls``); a class's: its constructor's.
    parameters: tuple[str, ...] = ()
    #: Whether it returns a value (an annotation other than None, or a ``return value``).
    returns: bool = False
    #: Whether its body yields.
    yields: bool = False
    #: What its own body raises: the class names raised by name, "" for ``raise <value>``.
    raises: tuple[str, ...] = ()
    #: A class's bases, as its source names them.
    bases: tuple[str, ...] = ()
    #: A method without a docstring of its own: the project's documented method it
    #: overrides (``module.Class.method``), whose docstring stands for it.
    inherits: str | None = None

    @property
    def name(self) -> str:
        return f"{self.module}.{self.qualname}"

    @property
    def callable(self) -> bool:
        return self.kind != "constant"


@dataclass
class Module:
    """One public module: its docstring, its entries and the names it re-exports."""

    name: str
    path: Path
    docstring: str | None
    entries: list[Entry] = field(default_factory=list)
    #: A re-exported name -> the module that defines it.
    reexports: dict[str, str] = field(default_factory=dict)


def module_files() -> dict[str, Path]:
    """Every public module's name and file, in name order."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            if _public_module(name, parts):
                found[name] = path
    return dict(sorted(found.items()))


def _public_module(name: str, parts: tuple[str, ...]) -> bool:
    if any(name == e or name.startswith(e + ".") for e in EXCLUDED):
        return False
    if parts[-1].endswith("_test") or parts[-1].startswith("test_"):
        return False
    if parts[0] == "kvasir_seg_tfds" and len(parts) > 2:
        return False  # a generated per-dataset folder
    return not any(part.startswith("_") and part != "__init__" for part in parts)


@dataclass(frozen=True)
class _Source:
    """One module's file, text and syntax tree."""

    name: str
    path: Path
    text: str
    tree: ast.Module

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


def read_modules() -> list[Module]:
    """Every public module with its public entries, re-exported names resolved."""
    sources = {}
    for name, path in module_files().items():
        text = path.read_text(encoding="utf-8")
        sources[name] = _Source(name, path, text, ast.parse(text))
    modules = {name: Module(name, s.path, ast.get_docstring(s.tree)) for name, s in sources.items()}
    wanted = {name: _public_names(s) for name, s in sources.items()}
    for name, module in modules.items():
        imported = _imports(sources[name])
        for public in wanted[name]:
            if public in imported and _defined(sources[name].tree, public) is None:
                module.reexports[public] = _home(imported[public], public, sources)
    for name, module in modules.items():
        names = set(wanted[name])
        names |= {n for m in modules.values() for n, h in m.reexports.items() if h == name}
        module.entries = [
            entry for n in sorted(names, key=str.lower) for entry in _entries(sources[name], n)
        ]
    _link_overrides(modules, sources)
    return list(modules.values())


def _link_overrides(modules: dict[str, Module], sources: dict[str, _Source]) -> None:
    """Point each undocumented method at the documented one it overrides in a base class."""
    entries = {entry.name: entry for module in modules.values() for entry in module.entries}
    bases = {}
    for name, entry in entries.items():
        if entry.kind == "class":
            imported = _imports(sources[entry.module])
            bases[name] = [
                f"{_home(imported[base], base, sources)}.{base}"
                if base in imported
                else f"{entry.module}.{base}"
                for base in entry.bases
            ]
    for module in modules.values():
        for index, entry in enumerate(module.entries):
            if entry.kind != "method" or entry.docstring:
                continue
            owner, _, method = entry.name.rpartition(".")
            queue = list(bases.get(owner, []))
            while queue:
                base = queue.pop(0)
                found = entries.get(f"{base}.{method}")
                if found is not None and found.docstring:
                    module.entries[index] = replace(entry, inherits=found.name)
                    break
                queue += bases.get(base, [])


def _home(module: str, name: str, sources: dict[str, _Source]) -> str:
    """The module that defines ``name``, following re-exports from ``module``."""
    seen = set()
    while module in sources and module not in seen:
        if _defined(sources[module].tree, name) is not None:
            break
        seen.add(module)
        following = _imports(sources[module]).get(name)
        if following is None:
            break
        module = following
    return module


def _public_names(source: _Source) -> list[str]:
    tree = source.tree
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        else:
            names += [n for n in _assigned(node) if n.isupper() or _comment(source, node)]
    return [n for n in names if not n.startswith("_")]


def _assigned(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _comment(source: _Source, node: ast.stmt) -> str:
    """The ``#:`` comment right above ``node``, on one line ("" when there is none)."""
    lines = source.text.splitlines()
    found: list[str] = []
    index = node.lineno - 2
    while index >= 0 and lines[index].strip().startswith("#:"):
        found.insert(0, lines[index].strip()[2:].strip())
        index -= 1
    return " ".join(found)


def _imports(source: _Source) -> dict[str, str]:
    """The names a module imports from other modules: name -> that module."""
    found = {}
    for node in source.tree.body:
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = source.package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                found[alias.asname or alias.name] = module
    return found


def _defined(tree: ast.Module, name: str) -> ast.stmt | None:
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name:
                return node
        elif name in _assigned(node):
            return node
    return None


def _entries(source: _Source, name: str) -> Iterator[Entry]:
    node = _defined(source.tree, name)
    if node is None:
        return
    if isinstance(node, ast.ClassDef):
        yield _class(source, node)
        for member in node.body:
            functions = (ast.FunctionDef, ast.AsyncFunctionDef)
            if isinstance(member, functions) and not member.name.startswith("_"):
                yield _function(source, member, owner=node.name)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield _function(source, node)
    else:
        yield _constant(source, name, node)


def _text(source: str, node: ast.AST | None) -> str:
    """The source text of ``node`` on one line."""
    if node is None:
        return ""
    return " ".join(
        line.strip() for line in (ast.get_source_segment(source, node) or "").splitlines()
    )


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef, source: str) -> list[str]:
    """The parameters as the source spells them, ``self`` / ``cls`` left out."""
    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    shown: list[str] = []
    for index, (argument, default) in enumerate(zip(positional, defaults, strict=True)):
        shown.append(_parameter(argument, default, source))
        if arguments.posonlyargs and index == len(arguments.posonlyargs) - 1:
            shown.append("/")
    if arguments.vararg is not None:
        shown.append("*" + _parameter(arguments.vararg, None, source))
    elif arguments.kwonlyargs:
        shown.append("*")
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        shown.append(_parameter(argument, default, source))
    if arguments.kwarg is not None:
        shown.append("**" + _parameter(arguments.kwarg, None, source))
    if shown and shown[0].split(":")[0].split("=")[0].strip() in ("self", "cls"):
        shown = shown[1:]
    return shown


def _parameter(argument: ast.arg, default: ast.expr | None, source: str) -> str:
    text = argument.arg
    if argument.annotation is not None:
        text += f": {_text(source, argument.annotation)}"
    if default is not None:
        text += " = " if argument.annotation is not None else "="
        text += _text(source, default)
    return text


def _names(parameters: list[str]) -> tuple[str, ...]:
    return tuple(
        re.split(r"[:=]", p)[0].strip().lstrip("*") for p in parameters if p not in ("*", "/")
    )


def _signature(prefix: str, parameters: list[str], suffix: str = "") -> str:
    one_line = f"{prefix}({', '.join(parameters)}){suffix}"
    if len(one_line) <= 88 or not parameters:
        return one_line
    inner = "".join(f"\n    {p}," for p in parameters)
    return f"{prefix}({inner}\n){suffix}"


def _own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's own body (not of the functions or classes it defines)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield child
        yield from _own_nodes(child)


def _raised(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    found = []
    for child in _own_nodes(node):
        if isinstance(child, ast.Raise) and child.exc is not None:
            target = child.exc.func if isinstance(child.exc, ast.Call) else child.exc
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            found.append(name if name[:1].isupper() else "")
    return tuple(dict.fromkeys(n for n in found if n != "NotImplementedError"))


def _decorators(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> set[str]:
    names = set()
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        names.add(target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", ""))
    return names


def _function(
    source: _Source, node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str | None = None
) -> Entry:
    decorators = _decorators(node)
    returns = _text(source.text, node.returns)
    qualname = f"{owner}.{node.name}" if owner else node.name
    nodes = list(_own_nodes(node))
    yields = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in nodes)
    docstring = ast.get_docstring(node)
    if decorators & {"property", "cached_property"}:
        shown = f"property {node.name}" + (f" -> {returns}" if returns else "")
        return Entry(source.name, qualname, "property", shown, docstring, source.path, node.lineno)
    parameters = _parameters(node, source.text)
    if node.returns is not None:
        gives = returns not in ("None", "NoReturn", "Never")
    else:
        gives = any(isinstance(n, ast.Return) and n.value is not None for n in nodes)
    prefix = ("async def " if isinstance(node, ast.AsyncFunctionDef) else "def ") + node.name
    return Entry(
        source.name,
        qualname,
        "method" if owner else "function",
        _signature(prefix, parameters, f" -> {returns}" if returns else ""),
        docstring,
        source.path,
        node.lineno,
        parameters=_names(parameters),
        returns=gives and not yields,
        yields=yields,
        raises=_raised(node),
    )


def _class(source: _Source, node: ast.ClassDef) -> Entry:
    parameters = _constructor(source, node)
    bases = [_text(source.text, base) for base in node.bases]
    shown = _signature(f"class {node.name}", parameters) if parameters else f"class {node.name}"
    if bases:
        shown += f"  # bases: {', '.join(bases)}"
    return Entry(
        source.name,
        node.name,
        "class",
        shown,
        _class_docstring(source, node),
        source.path,
        node.lineno,
        parameters=_names(parameters),
        bases=tuple(base for base in bases if base.isidentifier()),
    )


def _class_docstring(source: _Source, node: ast.ClassDef) -> str | None:
    """The class's docstring, with what ``evaluate``'s ``add_start_docstrings(A, B, ...)``
    puts before it (module-level strings ``A``, ``B``, ... joined, as the decorator does)."""
    own = ast.get_docstring(node, clean=False) or ""
    before = []
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else None
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "add_start_docstrings":
            for argument in decorator.args:
                value = _defined(source.tree, getattr(argument, "id", ""))
                if isinstance(value, ast.Assign) and isinstance(value.value, ast.Constant):
                    before.append(str(value.value.value))
    text = "".join(before) + own
    return inspect.cleandoc(text) if text.strip() else None


def _constructor(source: _Source, node: ast.ClassDef) -> list[str]:
    """What a caller passes to make one: ``__init__``'s parameters, else a dataclass's or
    named tuple's fields, else (a base defined in the same module) the base's."""
    for member in node.body:
        if isinstance(member, ast.FunctionDef) and member.name == "__init__":
            return _parameters(member, source.text)
    bases = [_text(source.text, base) for base in node.bases]
    if "dataclass" in _decorators(node) or "NamedTuple" in bases:
        return [
            _parameter(ast.arg(m.target.id, m.annotation), m.value, source.text)
            for m in node.body
            if isinstance(m, ast.AnnAssign) and isinstance(m.target, ast.Name) and _field(source, m)
        ]
    for base in bases:
        defined = _defined(source.tree, base)
        if isinstance(defined, ast.ClassDef):
            return _constructor(source, defined)
    return []


def _field(source: _Source, member: ast.AnnAssign) -> bool:
    """Whether a dataclass's annotated name is a parameter of its constructor."""
    if _text(source.text, member.annotation).startswith(("ClassVar", "typing.ClassVar", "KW_ONLY")):
        return False
    value = member.value
    return not (
        isinstance(value, ast.Call)
        and _call_name(value) == "field"
        and any(k.arg == "init" and _text(source.text, k.value) == "False" for k in value.keywords)
    )


def _call_name(call: ast.Call) -> str:
    target = call.func
    return target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")


def _constant(source: _Source, name: str, node: ast.stmt) -> Entry:
    value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
    annotation = node.annotation if isinstance(node, ast.AnnAssign) else None
    text = _text(source.text, value)
    shown = name + (f": {_text(source.text, annotation)}" if annotation is not None else "")
    if value is not None:
        shown += f" = {text}" if len(text) <= 60 else " = ..."
    comment = _comment(source, node) or None
    return Entry(source.name, name, "constant", shown, comment, source.path, node.lineno)


# The page.


def sections(docstring: str) -> dict[str | None, list[str]]:
    """A Google-style docstring's sections: name -> its lines (None: the text before them)."""
    found: dict[str | None, list[str]] = {None: []}
    current = None
    for line in inspect.cleandoc(docstring).splitlines():
        match = _SECTION.match(line)
        if match:
            current = match.group(1)
            found[current] = []
        else:
            found[current].append(line)
    return found


def markdown(docstring: str | None) -> str:
    """A Google-style docstring as Markdown: sections in bold, items as lists, examples
    and indented blocks fenced."""
    if not docstring:
        return "*(no docstring)*"
    parts = sections(_plain(docstring))
    return "\n".join(line for name, body in parts.items() for line in _render(name, body)).strip()


def _render(section: str | None, lines: list[str]) -> list[str]:
    text = inspect.cleandoc("\n".join(lines)) if "".join(lines).strip() else ""
    if not text:
        return []
    rendered = ["", f"**{section}:**", ""] if section else [""]
    body = text.splitlines()
    if section in ("Args", "Attributes", "Raises"):
        return rendered + _items(body)
    return rendered + _blocks(body)


def _items(lines: list[str]) -> list[str]:
    items: list[list[str]] = []
    for line in lines:
        match = _ITEM.match(line) if not line.startswith(" ") else None
        if match:
            items.append([f"- `{match.group(1)}`: {match.group(2)}".rstrip()])
        elif items:
            items[-1].append(line.strip())
        else:
            items.append([line.strip()])
    return [" ".join(part for part in item if part) for item in items]


def _blocks(lines: list[str]) -> list[str]:
    """Paragraphs and lists as they are (an indented line right below a line of text
    continues it); doctest lines fenced as ``pycon``, other indented blocks as ``text``."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        line, stripped = lines[index], lines[index].strip()
        after_text = index > 0 and lines[index - 1].strip() and not out[-1].startswith("```")
        if stripped.startswith(">>>"):
            block = []
            while index < len(lines) and lines[index].strip():
                block.append(lines[index])
                index += 1
            out += ["```pycon", *_dedent(block), "```"]
        elif line.startswith(" ") and after_text:
            out.append(stripped)
            index += 1
        elif line.startswith(" "):
            block = []
            while index < len(lines) and (lines[index].startswith(" ") or not lines[index].strip()):
                if lines[index].strip().startswith(">>>"):
                    break
                block.append(lines[index])
                index += 1
            while block and not block[-1].strip():
                block.pop()
            out += ["```text", *_dedent(block), "```", ""]
        else:
            out.append(line[:-1] if line.endswith("::") else line)  # reST's literal marker
            index += 1
    return out


def _dedent(lines: list[str]) -> list[str]:
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return [line[indent:] for line in lines]


def page(modules: list[Module] | None = None) -> str:
    """The whole page, as docs/api.md holds it."""
    modules = read_modules() if modules is None else modules
    documented = {entry.name for module in modules for entry in module.entries}
    lines = [
        "# API reference",
        "",
        "<!-- Generated by docs/api_reference.py from the docstrings: do not edit. Run "
        "`python docs/api_reference.py` after changing a docstring. -->",
        "",
        "The public modules, classes, functions and constants of kvasir-seg, from their "
        "docstrings. The command line is documented in [its own page](cli.md); what counts "
        "as public is said in `docs/api_reference.py`.",
        "",
        "## Modules",
        "",
    ]
    lines += [f"- [`{m.name}`](#{_anchor(m.name)}): {_summary(m.docstring)}" for m in modules]
    for module in modules:
        lines += ["", f"## `{module.name}`", "", markdown(module.docstring)]
        if module.reexports:
            lines += ["", "Also here, from the modules that define them:", ""]
            for name, home in sorted(module.reexports.items(), key=lambda item: item[0].lower()):
                full = f"{home}.{name}"
                shown = f"[`{name}`](#{_anchor(full)})" if full in documented else f"`{name}`"
                lines.append(f"- {shown} (`{home}`)")
        for entry in module.entries:
            level = "####" if "." in entry.qualname else "###"
            lines += ["", f"{level} `{entry.name}`", "", "```python", entry.signature, "```", ""]
            text = entry.docstring or ""
            if not text and not entry.callable:
                lines.pop()  # no comment: the signature alone
            elif entry.inherits:
                owner, _, method = entry.inherits.rpartition(".")
                link = f"[`{owner.rpartition('.')[2]}.{method}`](#{_anchor(entry.inherits)})"
                lines.append(f"As {link}.")
            else:
                lines.append(markdown(text) if entry.callable else _plain(text))
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


def _summary(docstring: str | None) -> str:
    return _plain(docstring.strip().splitlines()[0]) if docstring else ""


def _plain(text: str) -> str:
    return _ROLE.sub(r"`\1`", text).replace("``", "`")


def _anchor(name: str) -> str:
    """GitHub's anchor of the heading `` `name` ``: lower case, dots dropped."""
    return re.sub(r"[^\w\- ]", "", name.lower())


def main(arguments: list[str]) -> int:
    """Write the page, or (``--check``) say whether the checked-in one is current."""
    written = page()
    if arguments == ["--check"]:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        old, new = current.splitlines(), written.splitlines()
        changed = next(
            (n for n, pair in enumerate(zip(old, new, strict=False), 1) if pair[0] != pair[1]),
            min(len(old), len(new)) + 1,
        )
        if current != written:
            print(
                f"{PAGE.relative_to(ROOT)} is not current (from line {changed}): "
                "run `python docs/api_reference.py`",
                file=sys.stderr,
            )
            return 1
        return 0
    if arguments:
        print("usage: python docs/api_reference.py [--check]", file=sys.stderr)
        return 2
    PAGE.write_text(written, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
