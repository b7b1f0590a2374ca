"""reputation: non-transferable REP balances, encumbrances, stake allowances (docs/spec.md §5)."""
