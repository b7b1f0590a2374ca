"""bpdao's state machine: one package per module, plus `core` (the shared framework)."""
