"""validation_pool: the Bench — pools that mint REP per fee, collect stakes, decide and redistribute
(docs/spec.md §6)."""
