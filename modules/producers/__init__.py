"""producers: consensus keys, per-epoch committees chosen by REP, liveness and misbehaviour
(docs/spec/por.md)."""
