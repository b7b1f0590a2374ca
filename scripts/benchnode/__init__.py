"""The pieces of ``scripts/bench_node.py``: processes, the network, the apps under test, a measured
round and the report."""
