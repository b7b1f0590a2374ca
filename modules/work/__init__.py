"""work: the business contract. A client pays a fee for a kind of work; an available expert is
chosen by REP-weighted selection; the expert's evidence post goes to a validation pool
(docs/spec/work.md)."""
