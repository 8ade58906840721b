"""Sinks render events; they know nothing of how events were captured."""
