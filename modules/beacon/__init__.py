"""beacon: commit-reveal randomness from committee members' vote extensions (docs/spec/por.md)."""
