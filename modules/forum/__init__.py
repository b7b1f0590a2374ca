"""forum: the weighted DAG of posts (ppm-weighted authors, ± citations of older posts) and the
propagation of newly minted REP along citations (docs/spec/forum.md)."""
