"""The subcommands of ``kvasir-seg``, one module each.

Every module describes its subcommand with ``NAME``, ``SUMMARY``, ``DESCRIPTION`` and
``EXAMPLES``, adds its options in ``add_arguments(parser)`` and does the work in
``run(args)``, which returns the exit status (see :func:`kvasir_seg.app.options.add_command`).
The modules import nothing heavy at import time: ``datasets``, TensorFlow and the metric
engine are imported inside ``run``, so ``kvasir-seg info`` starts in a fraction of a second.
"""
