"""bpdao's ABCI server and wiring: the only place that knows CometBFT's wire format."""
