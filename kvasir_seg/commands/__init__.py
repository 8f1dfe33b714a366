"""Moved to :mod:`kvasir_seg.app.commands`; this old path still works, with a DeprecationWarning."""

from kvasir_seg._moved import alias

alias(
    __name__,
    "kvasir_seg.app.commands",
    ("common", "evaluate", "export", "fetch", "info", "prepare", "show"),
)
