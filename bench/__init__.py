"""ParkDesk benchmarks: search latency, live-change latency and start-up time.

Run with ``.venv/bin/python -m bench`` (see bench/README.md). These print figures;
they are not tests and assert nothing.
"""
