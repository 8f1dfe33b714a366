"""The subcommands of ``kvasir-seg``, one module each.

Every module exposes ``register(subparsers, parents)``, which adds its parser and sets
``run`` (a function of the parsed arguments returning the exit status) as its default.
The modules import nothing heavy at import time: ``datasets``, TensorFlow and the metric
engine are imported inside ``run``, so ``kvasir-seg info`` starts in a fraction of a second.
"""
