"""The public API's docstrings, and the API reference page made from them (docs/api.md).

What is public is defined once, in ``docs/api_reference.py`` (which writes the page). For
each public module, one test checks (Google style, as in ``kvasir_seg/extras.py``):

- the module docstring and every public function, class, method and property has a
  one-line summary: a first line that ends with a period, then a blank line or nothing
  (a method without a docstring that overrides a documented method of one of the
  project's classes is documented by that one, as the page says);
- every one that takes arguments (a class: its constructor's, or a dataclass's fields)
  has an ``Args:`` section naming each argument, and an ``Example:`` (or ``Examples:``)
  section with a ``>>>`` line; if it returns a value (an annotation other than None, or
  a ``return value``), ``Returns:``; if it yields, ``Yields:``;
- a function or method whose own body has a ``raise`` statement (not a bare re-raise, not
  ``NotImplementedError``; the raises of the functions it calls are not seen) has
  ``Raises:``, naming each exception class it raises by name;
- no docstring of the page uses the project's in-house words (:data:`IN_HOUSE`).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SPEC = importlib.util.spec_from_file_location("api_reference", ROOT / "docs" / "api_reference.py")
api_reference = importlib.util.module_from_spec(_SPEC)
sys.modules["api_reference"] = api_reference  # dataclasses look their module up
_SPEC.loader.exec_module(api_reference)

#: The packages and modules whose docstrings other branches are writing (issue 24, item 4):
#: expected failures until then. The lead empties this set when the branches are merged.
#: Words of the project's own jargon, and what to say instead.
IN_HOUSE = {
    r"\bdoors?\b": "name the adapters: Hugging Face, TFDS, PyTorch, the command line, ...",
    r"\btrust rule\b": "say what is checked: the checksum, or a copy the user accepted",
    r"\bthe one rule\b": "say the rule (docs/archive-store.md states it)",
    r"\bjudged\b": "checked",
    r"\bverdicts?\b": "result, decision",
    r"\bthe [\w`]+ face of\b": "the ... interface to",
}

MODULES = api_reference.read_modules()


def _summary_problem(docstring: str | None) -> str | None:
    if not docstring or not docstring.strip():
        return "no docstring"
    lines = docstring.strip().splitlines()
    if not lines[0].rstrip().endswith("."):
        return f"the summary is not one line ending with a period: {lines[0]!r}"
    if len(lines) > 1 and lines[1].strip():
        return f"the summary runs on a second line: {lines[1].strip()!r}"
    return None


def _items(lines: list[str]) -> set[str]:
    """The names an ``Args:`` or ``Raises:`` section lists (``*args`` as ``args``)."""
    found = set()
    for line in lines:
        match = re.match(r"^\s{0,4}(\*{0,2}[\w.]+)(?: \([^)]*\))?:", line)
        if match and not line[: len(line) - len(line.lstrip())].startswith("     "):
            found.add(match.group(1).lstrip("*").rsplit(".", 1)[-1])
    return found


def problems(entry: api_reference.Entry) -> list[str]:
    """What ``entry``'s docstring lacks (see the module docstring)."""
    if not entry.callable or entry.inherits:
        return []
    summary = _summary_problem(entry.docstring)
    if summary == "no docstring":
        return [summary]
    found = [summary] if summary else []
    parts = api_reference.sections(entry.docstring)
    if entry.parameters:
        if "Args" not in parts:
            found.append(f"no Args: ({', '.join(entry.parameters)})")
        else:
            missing = [p for p in entry.parameters if p not in _items(parts["Args"])]
            if missing:
                found.append(f"Args: does not name {', '.join(missing)}")
        examples = parts.get("Example", []) + parts.get("Examples", [])
        if not any(line.strip().startswith(">>>") for line in examples):
            found.append("no Example: with a >>> line")
        if entry.returns and "Returns" not in parts:
            found.append("no Returns:")
        if entry.yields and "Yields" not in parts:
            found.append("no Yields:")
    if entry.raises:
        if "Raises" not in parts:
            found.append(f"no Raises: (raises {', '.join(n or '<a value>' for n in entry.raises)})")
        else:
            named = _items(parts["Raises"])
            missing = [n for n in entry.raises if n and n not in named]
            if missing:
                found.append(f"Raises: does not name {', '.join(missing)}")
    return found


def in_house_words(text: str | None) -> list[str]:
    """The in-house words ``text`` uses, each with what to say instead."""
    return [
        f"{match.group(0)!r} ({instead})"
        for pattern, instead in IN_HOUSE.items()
        for match in re.finditer(pattern, text or "", flags=re.IGNORECASE)
    ]


def module_problems(module: api_reference.Module) -> list[str]:
    """Every problem of ``module``'s docstrings, one line each."""
    found = []
    summary = _summary_problem(module.docstring)
    if summary:
        found.append(f"{module.name} (module): {summary}")
    found += [f"{module.name} (module): {w}" for w in in_house_words(module.docstring)]
    for entry in module.entries:
        where = f"{entry.name} ({entry.path.relative_to(ROOT)}:{entry.line})"
        found += [f"{where}: {problem}" for problem in problems(entry)]
        found += [f"{where}: {word}" for word in in_house_words(entry.docstring)]
    return found


@pytest.mark.parametrize("module", [pytest.param(m, id=m.name) for m in MODULES])
def test_public_docstrings_have_their_sections(module: api_reference.Module) -> None:
    found = module_problems(module)
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found)


def test_the_page_is_current() -> None:
    """docs/api.md is what ``python docs/api_reference.py`` writes now."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "api_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_public_is_what_the_generator_says() -> None:
    """The modules read are the packages' own, the command line's and tests' left out."""
    names = [module.name for module in MODULES]
    assert "kvasir_seg.catalog" in names and "kvasir_seg_hf.load" in names
    assert "kvasir_seg.evaluate_module.kvasir_seg" in names
    assert not [n for n in names if n.startswith("kvasir_seg.app") or n.endswith("_test")]
    assert not [n for n in names if n.startswith("kvasir_seg_tfds.kvasir_seg.")]
    catalog = next(m for m in MODULES if m.name == "kvasir_seg.catalog")
    documented = {entry.qualname for entry in catalog.entries}
    assert {"DatasetSpec", "DatasetSpec.config", "get_spec", "DATASETS"} <= documented
    assert not [name for name in documented if name.split(".")[-1].startswith("_")]
    root = next(m for m in MODULES if m.name == "kvasir_seg")
    assert root.reexports["get_spec"] == "kvasir_seg.catalog"


def test_the_checks_catch_what_they_say() -> None:
    """A docstring without its sections fails each check, a complete one passes."""
    entry = api_reference.Entry(
        "demo",
        "area",
        "function",
        "def area(width, height)",
        "The area of a rectangle\n\nAs doors compute it.",
        ROOT / "demo.py",
        1,
        parameters=("width", "height"),
        returns=True,
        raises=("ValueError", ""),
    )
    assert problems(entry) == [
        "the summary is not one line ending with a period: 'The area of a rectangle'",
        "no Args: (width, height)",
        "no Example: with a >>> line",
        "no Returns:",
        "no Raises: (raises ValueError, <a value>)",
    ]
    assert in_house_words(entry.docstring) == [
        "'doors' (name the adapters: Hugging Face, TFDS, PyTorch, the command line, ...)"
    ]
    complete = """The area of a rectangle.

    Args:
        width: its width.
        height: its
            height.

    Returns:
        ``width * height``.

    Raises:
        ValueError: a negative side.

    Example:
        >>> area(2, 3)
        6
    """
    assert problems(entry.__class__(**{**entry.__dict__, "docstring": complete})) == []
    partial = complete.replace("        height: its\n", "        depth: its\n")
    partial = partial.replace("ValueError: a", "TypeError: a")
    assert problems(entry.__class__(**{**entry.__dict__, "docstring": partial})) == [
        "Args: does not name height",
        "Raises: does not name ValueError",
    ]
