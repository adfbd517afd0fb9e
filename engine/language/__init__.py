"""Stage 1: the policy language — safe YAML, layers, the schema, expressions, the model and
the compiler that turns a policy file into an immutable :class:`PolicySpec`."""
