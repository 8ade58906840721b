"""Syscall knowledge: the decoder framework, the decoders by family, constant tables."""
