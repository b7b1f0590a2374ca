"""availability: members stake REP to signal they are available for a kind of work; REP-weighted,
deterministic selection of an expert; assignment and slashing (docs/spec/availability.md)."""
