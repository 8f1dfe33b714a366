"""The ``kvasir_seg`` dataset folder in TFDS's layout (generated)."""
