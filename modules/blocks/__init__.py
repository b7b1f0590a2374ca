"""blocks: every block is work — block records, per-window forum posts and validation pools, and
the automated policing verdicts carried in vote extensions (docs/spec/por.md, "Every block is work")."""
