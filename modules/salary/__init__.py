"""salary: fees paid to REP holders pro rata through an F1-style cumulative index (docs/spec.md §7)."""
