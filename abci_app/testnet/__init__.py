"""``bpdao testnet``: a local network of N validators (+ M full nodes) on 127.0.0.1.

- ``layout``: where each node lives and which ports it uses; the ``testnet.json`` manifest.
- ``create``: node homes, founder keys, one shared genesis, cometbft configs with persistent peers.
- ``genesis``: the genesis document (validator set + app_state built from the founders).
- ``processes``: pid files, liveness, detached spawn, graceful stop.
- ``network``: start / status / stop / reset of a whole testnet.
"""
