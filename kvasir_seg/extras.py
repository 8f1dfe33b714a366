"""The optional parts of the package (the extras of ``pyproject.toml``) and the one way a
message tells how to install one: the README's, from a checkout (kvasir-seg is not
published on PyPI, so advice naming the distribution would find nothing).

    >>> install_command("hf")
    'pip install ".[hf]" (in a kvasir-seg checkout)'
"""

from __future__ import annotations

#: The extras a user installs (``pyproject.toml``'s, without ``test`` and ``dev``).
EXTRAS = ("hf", "tfds", "tfds-cli", "metrics", "torch", "report")


def install_command(*extras: str) -> str:
    """The README's command that installs ``extras`` (none: the core alone).

    Args:
        extras: names from :data:`EXTRAS`.

    Returns:
        The command, with where to run it.

    Raises:
        ValueError: an extra that ``pyproject.toml`` does not declare.

    Example:
        >>> install_command("hf", "torch")
        'pip install ".[hf,torch]" (in a kvasir-seg checkout)'
    """
    unknown = [extra for extra in extras if extra not in EXTRAS]
    if unknown:
        raise ValueError(f"no extra {unknown!r}: the extras are {', '.join(EXTRAS)}")
    target = f'".[{",".join(extras)}]"' if extras else "."
    return f"pip install {target} (in a kvasir-seg checkout)"
