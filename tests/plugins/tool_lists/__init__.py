"""Split lists shipped in a plugin's own package (``lists/*.txt``), read through
``kvasir_seg.splits.IdList("tool_lists", ...)``."""
