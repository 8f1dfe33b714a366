"""Moved to :mod:`kvasir_seg.app.export`; the old path still works (DeprecationWarning)."""

from kvasir_seg._moved import alias

alias(__name__, "kvasir_seg.app.export")
