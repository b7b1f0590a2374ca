// Test vectors for tests/abci_app/test_vote_extensions.py, computed by CometBFT v0.40.0 itself.
//
// Not part of the build. To run it, copy the module out of the Go module cache and drop this
// file in as a command (the cache is read-only; GOPROXY=off works because `go install` of the
// pinned cometbft already filled the cache):
//
//	CMT="$(mktemp -d)/cmt"
//	cp -r "$(go env GOMODCACHE)/github.com/cometbft/cometbft@v0.40.0" "$CMT" && chmod -R u+w "$CMT"
//	mkdir -p "$CMT/cmd/vectors" && cp scripts/vectors/cometbft_vote_extension_vectors.go "$CMT/cmd/vectors/main.go"
//	cd "$CMT" && GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off go run ./cmd/vectors [pubkey msg sig]
//
// Without arguments it prints types.VoteExtensionSignBytes and an ed25519 signature (key seed
// 00 01 … 1f) for a few votes; with three hex arguments it prints whether CometBFT's ed25519
// (ZIP-215 rules) accepts the signature; with "verify" it reads lines "pubkey msg sig" (hex) from
// stdin and prints one line "true"/"false" per input line (CometBFT's verdicts).
package main

import (
	"bufio"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	cmted "github.com/cometbft/cometbft/crypto/ed25519"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "verify" {
		in := bufio.NewScanner(os.Stdin)
		in.Buffer(make([]byte, 1<<20), 1<<20)
		for in.Scan() {
			f := strings.Fields(in.Text())
			pk, _ := hex.DecodeString(f[0])
			msg, _ := hex.DecodeString(strings.TrimPrefix(f[1], "-")) // "-": empty message
			sig, _ := hex.DecodeString(f[2])
			fmt.Println(len(pk) == 32 && cmted.PubKey(pk).VerifySignature(msg, sig))
		}
		return
	}
	if len(os.Args) == 4 {
		pk, _ := hex.DecodeString(os.Args[1])
		msg, _ := hex.DecodeString(os.Args[2])
		sig, _ := hex.DecodeString(os.Args[3])
		fmt.Println("cometbft ed25519 VerifySignature:", cmted.PubKey(pk).VerifySignature(msg, sig))
		return
	}
	cases := []struct {
		chain string
		h     int64
		r     int32
		ext   []byte
	}{
		{"bpdao-test", 7, 0, []byte{0x01, 0x02, 0x03}},
		{"bpdao-test", 1, 2, nil},
		{"", 0, 0, nil},
		{"chain-XYZ", 1 << 40, 1, make([]byte, 200)},
	}
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	fmt.Printf("pub %s\n", hex.EncodeToString(pub))
	for _, c := range cases {
		v := &cmtproto.Vote{Height: c.h, Round: c.r, Extension: c.ext}
		sb := types.VoteExtensionSignBytes(c.chain, v)
		sig := ed25519.Sign(priv, sb)
		fmt.Printf("case %q %d %d %s -> %s sig %s ok=%v\n", c.chain, c.h, c.r, hex.EncodeToString(c.ext),
			hex.EncodeToString(sb), hex.EncodeToString(sig), cmted.PubKey(pub).VerifySignature(sb, sig))
	}
}
