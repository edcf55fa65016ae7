"""The serving benchmark harness behind benchmarks/run.py: models, servers, load, process stats, reports."""
