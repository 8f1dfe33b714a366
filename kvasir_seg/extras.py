"""The optional parts of the package (the extras of ``pyproject.toml``), and how to install one.

Every message that asks for an extra gives the README's command, run in a checkout
(kvasir-seg is not published on PyPI, so advice naming the distribution would find nothing).

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


def missing(extra: str, error: ModuleNotFoundError, needed_by: str) -> ModuleNotFoundError:
    """The error to raise when ``needed_by`` cannot import a package of ``extra``.

    Args:
        extra: the extra that installs the missing package (a name of :data:`EXTRAS`).
        error: the import's own error (its ``name`` is the missing package).
        needed_by: the module or feature that needs it.

    Returns:
        A ``ModuleNotFoundError`` that names the package and the install command (raise it
        ``from error``).

    Example:
        >>> error = missing("torch", ModuleNotFoundError(name="torch"), "kvasir_seg.torch")
        >>> print(str(error).replace(": ", ":\\n"))
        kvasir_seg.torch needs torch, which is not installed:
        pip install ".[torch]" (in a kvasir-seg checkout).
    """
    return ModuleNotFoundError(
        f"{needed_by} needs {error.name}, which is not installed: {install_command(extra)}.",
        name=error.name,
    )
