"""The ``kvasir_sessile`` dataset folder in TFDS's layout (generated)."""
