"""bank: balances and total supply of the native fee token, transfers, module accounts."""
