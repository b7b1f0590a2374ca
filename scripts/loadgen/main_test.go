package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "txs.txt")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGroupsStayOnOneConnectionInFileOrder(t *testing.T) {
	path := writeFile(t, "a 01", "b 02", "c 03", "a 04", "b 05", "a 06")
	queues, total, err := loadQueues(options{txFile: path, encoding: "hex", conns: 2, method: "sync",
		endpoints: []string{"http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if total != 6 {
		t.Fatalf("loaded %d txs, want 6", total)
	}
	// groups dealt round-robin by first appearance: a -> 0, b -> 1, c -> 0
	want := [][]byte{{0x01}, {0x03}, {0x04}, {0x06}}
	if len(queues[0]) != len(want) {
		t.Fatalf("worker 0 got %d txs, want %d", len(queues[0]), len(want))
	}
	for i, tx := range want {
		if queues[0][i].hash != sha256.Sum256(tx) {
			t.Errorf("worker 0 tx %d is not %x", i, tx)
		}
	}
	if len(queues[1]) != 2 || queues[1][1].hash != sha256.Sum256([]byte{0x05}) {
		t.Errorf("worker 1 should hold b's txs 02, 05 in order")
	}
}

func TestRequestCarriesBase64TxAndLength(t *testing.T) {
	path := writeFile(t, "0xdeadbeef")
	queues, _, err := loadQueues(options{txFile: path, encoding: "hex", conns: 1, method: "async",
		endpoints: []string{"http://127.0.0.1:26657"}})
	if err != nil {
		t.Fatal(err)
	}
	req := string(queues[0][0].http)
	head, body, ok := strings.Cut(req, "\r\n\r\n")
	if !ok || !strings.HasPrefix(head, "POST / HTTP/1.1\r\nHost: 127.0.0.1:26657\r\n") {
		t.Fatalf("bad request head %q", head)
	}
	if !strings.Contains(head, fmt.Sprintf("Content-Length: %d", len(body))) {
		t.Errorf("Content-Length does not match the body in %q", head)
	}
	if !strings.Contains(body, `"method":"broadcast_tx_async"`) || !strings.Contains(body, `"tx":"3q2+7w=="`) {
		t.Errorf("bad body %q", body)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	path := writeFile(t, "zz")
	if _, _, err := loadQueues(options{txFile: path, encoding: "hex", conns: 1,
		endpoints: []string{"http://127.0.0.1:1"}}); err == nil {
		t.Error("a non-hex line was accepted")
	}
	if _, err := endpointHosts([]string{"https://127.0.0.1:1"}); err == nil {
		t.Error("an https endpoint was accepted")
	}
}

// serve answers each request on one connection with the given raw responses, in turn.
func serve(t *testing.T, responses ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		for _, resp := range responses {
			length := 0
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if strings.HasPrefix(line, "Content-Length: ") {
					fmt.Sscanf(strings.TrimSpace(line), "Content-Length: %d", &length)
				}
				if line == "\r\n" {
					break
				}
			}
			if _, err := r.Discard(length); err != nil {
				return
			}
			conn.Write([]byte(resp))
		}
	}()
	return ln.Addr().String()
}

func TestKeepAliveConnectionReadsLengthAndChunkedAnswers(t *testing.T) {
	ok := `{"jsonrpc":"2.0","id":1,"result":{"code":0,"hash":"AB"}}`
	rejected := `{"jsonrpc":"2.0","id":2,"result":{"code":5,"log":"bad nonce"}}`
	full := `{"jsonrpc":"2.0","id":3,"error":{"code":-32603,"message":"Internal error","data":"mempool is full"}}`
	chunked := fmt.Sprintf("%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n", 10, full[:10], len(full)-10, full[10:])
	host := serve(t,
		fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(ok), ok),
		fmt.Sprintf("HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s", len(rejected), rejected),
		"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"+chunked,
	)
	conn := &httpConn{host: host, timeout: 5 * time.Second}
	defer conn.close()
	req := []byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	if code, errText := send(conn, req); code != 0 || errText != "" {
		t.Errorf("first answer: code %d error %q", code, errText)
	}
	if code, errText := send(conn, req); code != 5 || errText != "" {
		t.Errorf("second answer: code %d error %q", code, errText)
	}
	if _, errText := send(conn, req); !strings.Contains(errText, "mempool is full") {
		t.Errorf("third answer: error %q", errText)
	}
}
