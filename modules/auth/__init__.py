"""auth: accounts (public key, nonce), tx limits and fees, the ante check every tx passes."""
