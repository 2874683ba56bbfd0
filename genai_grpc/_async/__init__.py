"""The I/O shells, written once for grpc.aio; scripts/unasync.py derives genai_grpc/_sync."""
