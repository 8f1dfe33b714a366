"""The application around the core: the ``kvasir-seg`` command and what only it needs.

``cli`` and ``commands/`` (the subcommands, one module each, and nothing else), ``options``
(the options they share, :class:`~kvasir_seg.app.options.UsageError`), ``printing``,
``ground_truth`` (``--references`` or ``--dataset``, for the commands that score),
``export`` (Parquet + dataset card, Hub upload), ``grid`` (pictures of examples and
predictions), ``predictions`` (folders of predicted masks). The app may import the
adapters (``kvasir_seg_hf``, ``kvasir_seg_tfds``); the core (:mod:`kvasir_seg` outside this
package) never imports the app.

    >>> from kvasir_seg.app.cli import main
    >>> main(["info", "kvasir_seg", "--json"])  # doctest: +SKIP
    0
"""
