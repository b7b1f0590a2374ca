"""The app_state of CometBFT's genesis.json: one section per module, plus ``chain_id``.

- :mod:`genesis.app_state`: build and validate a whole app_state, for any list of modules.
- :mod:`genesis.accounts`: write founding accounts and balances.
- :mod:`genesis.fields`: typed readers for a section's JSON that name the bad field.
"""
