"""On-demand benchmark of the merchant REST API (`python -m bench.api`); never part of the tests."""
