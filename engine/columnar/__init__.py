"""Stage: columnar evaluation. Each entity compiles once into a plan over a table of
records (sqlglot expressions, run on DuckDB, printable for other SQL dialects), exact and
equal to the row engine, which evaluates every record the plan cannot prove valid."""
