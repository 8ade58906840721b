"""Backends drive traced processes and yield events; they know nothing of output formats."""
