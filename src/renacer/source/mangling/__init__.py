"""The decoders behind ``renacer.source.demangle``: Rust legacy, Rust v0 and Itanium C++."""
