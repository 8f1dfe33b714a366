"""The ``kvasir_instrument`` dataset folder in TFDS's layout (generated)."""
