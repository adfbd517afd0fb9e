"""Stage 2: evaluation — records in, :class:`Result` or :class:`Failure` out. No file I/O."""
