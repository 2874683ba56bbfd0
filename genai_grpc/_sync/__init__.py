# DO NOT EDIT: generated from genai_grpc/_async/__init__.py by scripts/unasync.py.
"""The I/O shells, written once for grpc; scripts/unasync.py derives genai_grpc/_sync."""
