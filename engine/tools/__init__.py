"""Stage 4: tools for policy authors — cases, properties, lint, explain, diff, report, scaffold."""
