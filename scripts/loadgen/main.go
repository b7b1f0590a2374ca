// Command loadgen replays a file of pre-built transactions against CometBFT RPC endpoints.
//
// Every line of the input file is one transaction, hex or base64 encoded, optionally preceded by a
// group key and a space ("alice 0a1b2c..."). Transactions of one group always go over the same
// connection in file order, so per-sender nonces arrive in sequence; lines without a group are dealt
// round-robin. Each of the -c workers owns one keep-alive HTTP connection and sends JSON-RPC
// broadcast_tx_sync (or _async) requests, paced to -rate in total or as fast as responses allow.
//
// Output: a CSV with one row per sent transaction (hash as CometBFT prints it: upper-hex sha256,
// send and answer time in unix ns, CheckTx code, error text) and a JSON summary on stdout.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

type options struct {
	txFile    string
	encoding  string
	endpoints []string
	conns     int
	rate      float64
	duration  time.Duration
	method    string
	out       string
	timeout   time.Duration
}

// request is one transaction with its whole HTTP request built before the clock starts, so the send
// loop costs no encoding work.
type request struct {
	hash [32]byte
	http []byte
}

// record is what happened to one sent transaction.
type record struct {
	req     *request
	sentNs  int64
	ackNs   int64
	code    uint32
	errText string // RPC or transport error; empty when CheckTx answered
	retries int    // resends after "mempool is full"
}

type rpcResponse struct {
	Result *struct {
		Code      uint32 `json:"code"`
		Log       string `json:"log"`
		Codespace string `json:"codespace"`
	} `json:"result"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    string `json:"data"`
	} `json:"error"`
}

type summary struct {
	Method          string         `json:"method"`
	Connections     int            `json:"connections"`
	Endpoints       []string       `json:"endpoints"`
	TargetRate      float64        `json:"target_rate"`
	DurationLimitS  float64        `json:"duration_limit_s"`
	Loaded          int            `json:"loaded"`
	Sent            int            `json:"sent"`
	Accepted        int            `json:"accepted"`
	Rejected        int            `json:"rejected"`
	Errors          int            `json:"errors"`
	FullRetries     int            `json:"mempool_full_retries"`
	StartUnixNs     int64          `json:"start_unix_ns"`
	EndUnixNs       int64          `json:"end_unix_ns"`
	ElapsedS        float64        `json:"elapsed_s"`
	SendRate        float64        `json:"send_rate"`
	AckP50Ms        float64        `json:"ack_p50_ms"`
	AckP95Ms        float64        `json:"ack_p95_ms"`
	RejectedByCode  map[string]int `json:"rejected_by_code"`
	ErrorsByMessage map[string]int `json:"errors_by_message"`
	Out             string         `json:"out"`
}

func main() {
	// The working set is small and short-lived; collect rarely to keep the CPU for the node.
	debug.SetGCPercent(400)
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	queues, loaded, err := loadQueues(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	records, start, end := run(opts, queues)
	if err := writeCSV(opts.out, records); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	sum := summarize(opts, loaded, records, start, end)
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sum); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	var endpoints string
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.StringVar(&o.txFile, "txs", "", "file of transactions, one per line: [group ]<hex|base64>")
	fs.StringVar(&o.encoding, "encoding", "hex", "encoding of the transactions in -txs: hex or base64")
	fs.StringVar(&endpoints, "endpoints", "http://127.0.0.1:26657", "comma-separated RPC base URLs; workers are dealt round-robin")
	fs.IntVar(&o.conns, "c", 16, "concurrent connections (workers)")
	fs.Float64Var(&o.rate, "rate", 0, "total target tx/s over all connections; 0 = as fast as answers come back")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "stop sending after this long (or when the file is exhausted)")
	fs.StringVar(&o.method, "method", "sync", "broadcast method: sync or async")
	fs.StringVar(&o.out, "out", "sends.csv", "CSV of sent transactions")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request HTTP timeout")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.txFile == "" {
		return o, errors.New("-txs is required")
	}
	if o.encoding != "hex" && o.encoding != "base64" {
		return o, fmt.Errorf("-encoding must be hex or base64, not %q", o.encoding)
	}
	if o.method != "sync" && o.method != "async" {
		return o, fmt.Errorf("-method must be sync or async, not %q", o.method)
	}
	if o.conns < 1 {
		return o, errors.New("-c must be at least 1")
	}
	for _, e := range strings.Split(endpoints, ",") {
		if e = strings.TrimRight(strings.TrimSpace(e), "/"); e != "" {
			o.endpoints = append(o.endpoints, e)
		}
	}
	if len(o.endpoints) == 0 {
		return o, errors.New("-endpoints is empty")
	}
	return o, nil
}

// loadQueues reads the file into one queue per worker: a group's transactions stay together and in
// order; groups (and ungrouped lines) are dealt to workers round-robin in order of first appearance.
func loadQueues(o options) ([][]*request, int, error) {
	f, err := os.Open(o.txFile)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	queues := make([][]*request, o.conns)
	groupWorker := map[string]int{}
	next := 0
	method := "broadcast_tx_" + o.method
	hosts, err := endpointHosts(o.endpoints)
	if err != nil {
		return nil, 0, err
	}
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	lineNo := 0
	for scanner.Scan() {
		lineNo++
		line := strings.TrimSpace(scanner.Text())
		if line == "" {
			continue
		}
		group, encoded, grouped := strings.Cut(line, " ")
		if !grouped {
			encoded = group
		}
		tx, err := decodeTx(o.encoding, strings.TrimSpace(encoded))
		if err != nil {
			return nil, 0, fmt.Errorf("%s:%d: %w", o.txFile, lineNo, err)
		}
		worker, seen := groupWorker[group]
		if !grouped || !seen {
			worker = next % o.conns
			next++
			if grouped {
				groupWorker[group] = worker
			}
		}
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":{"tx":"%s"}}`,
			lineNo, method, base64.StdEncoding.EncodeToString(tx))
		host := hosts[worker%len(hosts)]
		httpReq := fmt.Sprintf("POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
			"Content-Length: %d\r\n\r\n%s", host, len(body), body)
		queues[worker] = append(queues[worker], &request{hash: sha256.Sum256(tx), http: []byte(httpReq)})
	}
	if err := scanner.Err(); err != nil {
		return nil, 0, err
	}
	total := 0
	for _, q := range queues {
		total += len(q)
	}
	if total == 0 {
		return nil, 0, fmt.Errorf("%s holds no transactions", o.txFile)
	}
	return queues, total, nil
}

func decodeTx(encoding, s string) ([]byte, error) {
	if encoding == "base64" {
		return base64.StdEncoding.DecodeString(s)
	}
	return hex.DecodeString(strings.TrimPrefix(s, "0x"))
}

// endpointHosts turns the RPC base URLs into host:port (JSON-RPC is served at "/").
func endpointHosts(endpoints []string) ([]string, error) {
	hosts := make([]string, len(endpoints))
	for i, e := range endpoints {
		u, err := url.Parse(e)
		if err != nil || u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("endpoint %q: want http://host:port", e)
		}
		hosts[i] = u.Host
	}
	return hosts, nil
}

// httpConn is one keep-alive HTTP/1.1 connection speaking just enough of the protocol for
// JSON-RPC POSTs with pre-built requests: far cheaper in CPU than net/http, which matters when the
// load generator shares two cores with the node it measures.
type httpConn struct {
	host    string
	timeout time.Duration
	conn    net.Conn
	reader  *bufio.Reader
}

func (h *httpConn) close() {
	if h.conn != nil {
		h.conn.Close()
		h.conn = nil
	}
}

// roundTrip writes one request and returns the response body; on any error the connection is
// dropped and the next call dials again.
func (h *httpConn) roundTrip(req []byte) (int, []byte, error) {
	if h.conn == nil {
		conn, err := net.DialTimeout("tcp", h.host, 5*time.Second)
		if err != nil {
			return 0, nil, err
		}
		h.conn, h.reader = conn, bufio.NewReaderSize(conn, 16<<10)
	}
	status, body, err := h.exchange(req)
	if err != nil {
		h.close()
	}
	return status, body, err
}

func (h *httpConn) exchange(req []byte) (int, []byte, error) {
	if err := h.conn.SetDeadline(time.Now().Add(h.timeout)); err != nil {
		return 0, nil, err
	}
	if _, err := h.conn.Write(req); err != nil {
		return 0, nil, err
	}
	line, err := h.reader.ReadString('\n')
	if err != nil {
		return 0, nil, err
	}
	parts := strings.SplitN(line, " ", 3)
	if len(parts) < 2 {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(parts[1])
	if err != nil {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, closing := -1, false, false
	for {
		header, err := h.reader.ReadString('\n')
		if err != nil {
			return 0, nil, err
		}
		header = strings.TrimRight(header, "\r\n")
		if header == "" {
			break
		}
		name, value, _ := strings.Cut(header, ":")
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			if length, err = strconv.Atoi(value); err != nil {
				return 0, nil, fmt.Errorf("bad Content-Length %q", value)
			}
		case "transfer-encoding":
			chunked = strings.EqualFold(value, "chunked")
		case "connection":
			closing = strings.EqualFold(value, "close")
		}
	}
	var body []byte
	switch {
	case chunked:
		body, err = readChunked(h.reader)
	case length >= 0:
		body = make([]byte, length)
		_, err = io.ReadFull(h.reader, body)
	default:
		return 0, nil, errors.New("response without length")
	}
	if err == nil && closing {
		h.close()
	}
	return status, body, err
}

func readChunked(r *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		sizeText, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		size, err := strconv.ParseInt(sizeText, 16, 32)
		if err != nil {
			return nil, fmt.Errorf("bad chunk size %q", line)
		}
		if size == 0 {
			_, err = r.ReadString('\n') // the blank line after the last chunk (no trailers expected)
			return body, err
		}
		chunk := make([]byte, size+2)
		if _, err := io.ReadFull(r, chunk); err != nil {
			return nil, err
		}
		body = append(body, chunk[:size]...)
	}
}

func run(o options, queues [][]*request) ([]record, int64, int64) {
	hosts, _ := endpointHosts(o.endpoints) // validated when the queues were built
	start := time.Now()
	deadline := start.Add(o.duration)
	var interval time.Duration
	if o.rate > 0 {
		interval = time.Duration(float64(o.conns) / o.rate * float64(time.Second))
	}
	results := make([][]record, o.conns)
	var wg sync.WaitGroup
	for w := range queues {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// Stagger the workers' schedules so the total rate is smooth, not bursts of c.
			offset := time.Duration(0)
			if interval > 0 {
				offset = interval * time.Duration(w) / time.Duration(o.conns)
			}
			conn := &httpConn{host: hosts[w%len(hosts)], timeout: o.timeout}
			results[w] = worker(conn, queues[w], start.Add(offset), interval, deadline)
		}(w)
	}
	wg.Wait()
	end := time.Now()
	var all []record
	for _, r := range results {
		all = append(all, r...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].sentNs < all[j].sentNs })
	return all, start.UnixNano(), end.UnixNano()
}

// fullBackoff is how long a worker waits before resending a tx the mempool had no room for. The
// resend keeps per-sender nonces in order; the pause keeps a full mempool from turning the load
// generator into a busy loop that steals CPU from the node.
const fullBackoff = 50 * time.Millisecond

func worker(conn *httpConn, queue []*request, first time.Time, interval time.Duration,
	deadline time.Time) []record {
	defer conn.close()
	out := make([]record, 0, len(queue))
	for k, req := range queue {
		if interval > 0 {
			// Open-loop schedule: if we fell behind, send at once instead of drifting.
			if wait := time.Until(first.Add(interval * time.Duration(k))); wait > 0 {
				time.Sleep(wait)
			}
		}
		rec := record{req: req}
		for {
			now := time.Now()
			if !now.Before(deadline) {
				if rec.retries > 0 {
					out = append(out, rec) // its last answer was "mempool is full"
				}
				return out
			}
			rec.sentNs = now.UnixNano()
			rec.code, rec.errText = send(conn, req.http)
			rec.ackNs = time.Now().UnixNano()
			if !strings.Contains(rec.errText, "mempool is full") {
				break
			}
			rec.retries++
			time.Sleep(fullBackoff)
		}
		out = append(out, rec)
	}
	return out
}

func send(conn *httpConn, req []byte) (uint32, string) {
	status, payload, err := conn.roundTrip(req)
	if err != nil {
		return 0, "transport: " + err.Error()
	}
	var parsed rpcResponse
	if err := json.Unmarshal(payload, &parsed); err != nil {
		return 0, fmt.Sprintf("http %d: unparsable answer", status)
	}
	if parsed.Error != nil {
		return 0, strings.TrimSpace(parsed.Error.Message + ": " + parsed.Error.Data)
	}
	if parsed.Result == nil {
		return 0, fmt.Sprintf("http %d: no result", status)
	}
	return parsed.Result.Code, ""
}

func writeCSV(path string, records []record) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(bufio.NewWriter(f))
	if err := w.Write([]string{"hash", "sent_unix_ns", "ack_unix_ns", "code", "error"}); err != nil {
		f.Close()
		return err
	}
	for _, r := range records {
		row := []string{
			strings.ToUpper(hex.EncodeToString(r.req.hash[:])),
			strconv.FormatInt(r.sentNs, 10),
			strconv.FormatInt(r.ackNs, 10),
			strconv.FormatUint(uint64(r.code), 10),
			r.errText,
		}
		if err := w.Write(row); err != nil {
			f.Close()
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func summarize(o options, loaded int, records []record, start, end int64) summary {
	s := summary{
		Method: o.method, Connections: o.conns, Endpoints: o.endpoints, TargetRate: o.rate,
		DurationLimitS: o.duration.Seconds(), Loaded: loaded, Sent: len(records),
		StartUnixNs: start, EndUnixNs: end, ElapsedS: float64(end-start) / 1e9,
		RejectedByCode: map[string]int{}, ErrorsByMessage: map[string]int{}, Out: o.out,
	}
	acks := make([]int64, 0, len(records))
	for _, r := range records {
		acks = append(acks, r.ackNs-r.sentNs)
		s.FullRetries += r.retries
		switch {
		case r.errText != "":
			s.Errors++
			s.ErrorsByMessage[truncate(r.errText, 120)]++
		case r.code != 0:
			s.Rejected++
			s.RejectedByCode[strconv.FormatUint(uint64(r.code), 10)]++
		default:
			s.Accepted++
		}
	}
	if s.ElapsedS > 0 {
		s.SendRate = float64(s.Sent) / s.ElapsedS
	}
	sort.Slice(acks, func(i, j int) bool { return acks[i] < acks[j] })
	s.AckP50Ms = percentileMs(acks, 50)
	s.AckP95Ms = percentileMs(acks, 95)
	return s
}

// percentileMs is the nearest-rank percentile of sorted durations in ns, in milliseconds.
func percentileMs(sorted []int64, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100
	if rank < 1 {
		rank = 1
	}
	return float64(sorted[rank-1]) / 1e6
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
