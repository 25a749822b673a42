"""The shared kernel: settings and paths, durable file writes and the error base class.

ingest/, aftershock/ and expectations/ all import it; it imports none of them.
"""
