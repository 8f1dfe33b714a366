"""The ``kvasir_capsule_seg`` dataset folder in TFDS's layout (generated)."""
