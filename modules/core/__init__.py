"""The framework modules build on: stores, context, errors, encoding, the module contract."""
