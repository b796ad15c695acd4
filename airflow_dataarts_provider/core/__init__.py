"""Sans-I/O protocol core: request building and signing, page and error parsing, paging, retry policy.

Nothing in this package performs I/O or imports Airflow; transports and hooks sit on top of it.
"""
