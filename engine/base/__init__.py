"""Stage 0: what every stage shares — errors as data, their messages, exact numbers."""
