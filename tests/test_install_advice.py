"""Install advice, wherever it is written (messages, docstrings, the documents, the metric
card), is the README's: ``pip install .`` or ``pip install ".[extra,...]"`` from a checkout,
naming extras that ``pyproject.toml`` declares. kvasir-seg is not published, so
``pip install "kvasir-seg[hf]"`` would find nothing."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from kvasir_seg.extras import EXTRAS, install_command

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 (CI's oldest row): pytest brings tomli there
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
#: Where install advice is written: the code of the three packages and every document.
SOURCES = sorted(
    [
        *(
            path
            for package in ("kvasir_seg", "kvasir_seg_hf", "kvasir_seg_tfds")
            for path in (ROOT / package).rglob("*")
            if path.suffix in {".py", ".md"}
        ),
        *(ROOT / "docs").glob("*.md"),
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        ROOT / "benchmarks" / "README.md",
    ]
)
#: One piece of advice: ``pip install`` and its arguments, up to the end of the code span,
#: quotation, line, shell operator or comment.
ADVICE = re.compile(r"pip install((?: +(?:\"[^\"]*\"|[^\s`'\"&|;()#]+))*)")
#: Arguments that install another package (a matching torch and torchvision) or say where
#: from; our package is only ever named as a checkout.
OTHERS = re.compile(r'"(torch|torchvision)==[\w.+]+"|--(extra-)?index-url|https://\S+')


def _declared_extras() -> set[str]:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return set(tomllib.load(file)["project"]["optional-dependencies"])


def _problems(advice: str) -> list[str]:
    """What is wrong with ``pip install ARGUMENTS`` (nothing: an empty list)."""
    problems = []
    named = re.findall(r'"[^"]*"|\S+', advice.removeprefix("pip install"))
    arguments = [a for a in named if a != "-e" and not OTHERS.fullmatch(a)]
    if any(a.startswith("{") for a in arguments):
        return []  # the f-string of install_command, whose output is checked below
    for argument in arguments:
        extras = re.fullmatch(r'"\.\[([\w,-]+)\]"', argument)
        if argument == ".":
            continue
        if extras is None:
            problems.append(f'{argument}: not the README\'s `.` or `".[extra]"`')
        elif unknown := set(extras.group(1).split(",")) - _declared_extras():
            problems.append(f"{argument}: no extra {sorted(unknown)} in pyproject.toml")
    return problems if named else ["names nothing to install"]


def test_every_install_advice_is_the_readmes_and_names_declared_extras() -> None:
    found, wrong = 0, []
    for path in SOURCES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for advice in ADVICE.finditer(line):
                found += 1
                wrong += [
                    f"{path.relative_to(ROOT)}:{number}: {advice.group(0)}: {problem}"
                    for problem in _problems(advice.group(0))
                ]
            if re.search(r"kvasir-seg\[", line):
                wrong.append(f"{path.relative_to(ROOT)}:{number}: names kvasir-seg[...]")
    assert found >= 10  # the README's table alone has nine
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "advice",
    [
        "pip install 'kvasir-seg[hf]'",
        'pip install "kvasir-seg[torch]"',
        "pip install kvasir-seg[metrics]",
        'pip install ".[huggingface]"',
        "pip install '.[hf]'",
        "pip install",
    ],
)
def test_the_check_refuses_advice_unlike_the_readmes(advice: str) -> None:
    assert _problems(advice)


def test_install_command_says_it_the_readmes_way_for_every_declared_extra() -> None:
    assert set(EXTRAS) == _declared_extras() - {"test", "dev"}
    for extra in EXTRAS:
        assert not _problems(install_command(extra).split(" (")[0])
    assert install_command() == "pip install . (in a kvasir-seg checkout)"
    with pytest.raises(ValueError, match="no extra"):
        install_command("huggingface")


def test_every_extra_the_code_names_is_declared() -> None:
    """The literal extras passed to ``install_command``, ``missing(extra, ...)`` and
    ``require(module, extra, ...)``."""
    named = []
    for path in SOURCES:
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id == "install_command":
                arguments = node.args
            elif node.func.id == "missing":
                arguments = node.args[:1]
            elif node.func.id == "require" and len(node.args) == 3:
                arguments = node.args[1:2]
            else:
                continue
            named += [a.value for a in arguments if isinstance(a, ast.Constant)]
    assert {"hf", "tfds", "report", "torch"} <= set(named) <= set(EXTRAS)
