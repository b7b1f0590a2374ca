"""governance: parameter changes as forum posts that pass a non-binding then a binding validation
pool and take effect at the next epoch boundary (docs/spec/governance.md)."""
