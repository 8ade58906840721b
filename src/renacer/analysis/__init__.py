"""Statistics over traced calls: latency distributions, percentiles."""
