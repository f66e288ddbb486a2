// gameday-load: gameday's built-in load engine. An open-model HTTP load on Vegeta's attacker: a
// piecewise-linear arrival-rate plan, a cap on requests in flight, a request timeout and
// keep-alive. Requests come from the harness on stdin (Vegeta's JSON target format, one per line,
// generated while the run goes); every result goes back on stdout as one tab-separated line,
// flushed at least every 50 ms, so the harness measures while the load runs.
//
// SIGINT or SIGTERM stops sending at once; requests in flight finish or time out, the last results
// are written, and the process exits 0. It also stops when stdin closes (the harness is gone) and,
// on Linux, when its parent dies.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// plan is what the harness asks for (`-plan <json>`).
type plan struct {
	Stages []struct {
		DurationMs float64 `json:"durationMs"`
		From       float64 `json:"from"`
		To         float64 `json:"to"`
	} `json:"stages"`
	TimeoutMs   float64  `json:"timeoutMs"`
	MaxInFlight int      `json:"maxInFlight"`
	KeepAlive   bool     `json:"keepAlive"`
	Headers     []string `json:"headers"`
	BodyBytes   int64    `json:"bodyBytes"`
}

// dropped is the error of a request not sent because maxInFlight requests were already in flight:
// an open model drops arrivals it cannot serve rather than queueing them, as k6 does.
const droppedError = "gameday: dropped, max in-flight reached"

var errDropped = errors.New(droppedError)

const version = "gameday-load 1 (vegeta v12.13.0)"

func main() {
	planJSON := flag.String("plan", "", "the load plan as JSON")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	if err := run(*planJSON, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "gameday-load: %v\n", err)
		os.Exit(2)
	}
}

func run(planJSON string, in io.Reader, out io.Writer) error {
	var p plan
	if err := json.Unmarshal([]byte(planJSON), &p); err != nil {
		return fmt.Errorf("invalid -plan: %w", err)
	}
	if len(p.Stages) == 0 {
		return errors.New("invalid -plan: no stages")
	}
	stages := make([]stage, 0, len(p.Stages))
	for i, s := range p.Stages {
		if s.DurationMs <= 0 || s.From < 0 || s.To < 0 {
			return fmt.Errorf("invalid -plan: stage %d needs durationMs > 0 and rates >= 0", i)
		}
		stages = append(stages, stage{Duration: time.Duration(s.DurationMs * float64(time.Millisecond)), From: s.From, To: s.To})
	}
	if p.MaxInFlight <= 0 {
		return errors.New("invalid -plan: maxInFlight must be > 0")
	}
	if p.TimeoutMs <= 0 {
		return errors.New("invalid -plan: timeoutMs must be > 0")
	}
	dieWithParent()

	pacer := newStagedPacer(stages)
	gate := &inFlightGate{slots: make(chan struct{}, p.MaxInFlight), next: &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second, Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: p.MaxInFlight,
		DisableKeepAlives:   !p.KeepAlive,
		DisableCompression:  true,
	}}
	client := &http.Client{Transport: gate, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	attacker := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Timeout(time.Duration(p.TimeoutMs*float64(time.Millisecond))),
		vegeta.MaxBody(p.BodyBytes),
		vegeta.Workers(uint64(min(p.MaxInFlight, 64))),
	)

	// stopped closes on SIGINT/SIGTERM. Vegeta's pacing loop may still hand out a tick after
	// Stop (its select picks at random between a free worker and the stop channel), so the
	// targeter refuses from then on: not one request goes out after the signal.
	stopped := make(chan struct{})
	targets := prefetch(in, 4096)
	targeter := func(t *vegeta.Target) error {
		select {
		case <-stopped:
			return vegeta.ErrNoTargets
		default:
		}
		next, ok := <-targets
		if !ok {
			return vegeta.ErrNoTargets
		}
		*t = next
		return nil
	}

	stop := make(chan os.Signal, 2)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		close(stopped)
		attacker.Stop()
	}()

	w := newResultWriter(out, p.Headers, p.BodyBytes > 0)
	defer w.close()
	w.header()
	started := time.Now()
	var n, dropped uint64
	// No duration cut-off (0): the pacer stops after the plan's last request. With the plan's
	// length as cut-off, a pacer that fell behind near the end (a stalled or busy machine) silently
	// left the rest of the plan unsent instead of catching up.
	for res := range attacker.Attack(targeter, pacer, 0, "gameday") {
		if res.Error == vegeta.ErrNoTargets.Error() {
			// Not a request: the input ended early or the run was stopped.
			continue
		}
		n++
		if strings.HasSuffix(res.Error, droppedError) {
			// The client wraps it as `Post "url": …`; the harness matches the bare text.
			res.Error = droppedError
			dropped++
		}
		if err := w.write(res); err != nil {
			// The harness stopped reading: nobody is there to measure, so stop sending.
			attacker.Stop()
		}
	}
	summary, _ := json.Marshal(map[string]any{
		"results": n, "dropped": dropped, "elapsedMs": time.Since(started).Milliseconds(),
		"plannedHits": int64(pacer.cum[len(pacer.stages)]),
	})
	fmt.Fprintf(os.Stderr, "gameday-load: done %s\n", summary)
	return nil
}

// prefetch reads targets ahead of the pacer so a hit never waits on the pipe; the channel closes
// when stdin ends or holds a line that is not a target (reported on stderr).
func prefetch(in io.Reader, depth int) <-chan vegeta.Target {
	ch := make(chan vegeta.Target, depth)
	next := vegeta.NewJSONTargeter(in, nil, nil)
	go func() {
		defer close(ch)
		for {
			var t vegeta.Target
			if err := next(&t); err != nil {
				if !errors.Is(err, vegeta.ErrNoTargets) {
					fmt.Fprintf(os.Stderr, "gameday-load: bad target: %v\n", err)
				}
				return
			}
			ch <- t
		}
	}()
	return ch
}

// inFlightGate caps the requests in flight: a request over the cap is not sent (errDropped).
// A slot is held until the response body is closed, which Vegeta does after reading it.
type inFlightGate struct {
	slots chan struct{}
	next  http.RoundTripper
}

func (g *inFlightGate) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case g.slots <- struct{}{}:
	default:
		return nil, errDropped
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		<-g.slots
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: func() { <-g.slots }}
	return resp, nil
}

type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// resultWriter writes one line per result:
//
//	index \t start (unix ns) \t latency (ns) \t status \t error \t header values… [\t body base64]
//
// The index is the request's own (the harness appends it to the URL as a fragment, which is never
// sent); tabs and newlines inside values become spaces.
type resultWriter struct {
	mu      sync.Mutex
	bw      *bufio.Writer
	headers []string
	body    bool
	done    chan struct{}
	err     error
}

func newResultWriter(out io.Writer, headers []string, body bool) *resultWriter {
	w := &resultWriter{bw: bufio.NewWriterSize(out, 64<<10), headers: headers, body: body, done: make(chan struct{})}
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
				w.mu.Lock()
				if w.err == nil {
					w.err = w.bw.Flush()
				}
				w.mu.Unlock()
			}
		}
	}()
	return w
}

func (w *resultWriter) header() {
	w.mu.Lock()
	defer w.mu.Unlock()
	cols := []string{"#gameday-load", "1", "index", "start_ns", "latency_ns", "status", "error"}
	for _, h := range w.headers {
		cols = append(cols, "h:"+strings.ToLower(h))
	}
	if w.body {
		cols = append(cols, "body")
	}
	w.bw.WriteString(strings.Join(cols, "\t"))
	w.bw.WriteByte('\n')
}

func (w *resultWriter) write(r *vegeta.Result) error {
	index := "-1"
	if i := strings.LastIndexByte(r.URL, '#'); i >= 0 {
		index = r.URL[i+1:]
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	b := w.bw
	b.WriteString(index)
	b.WriteByte('\t')
	b.WriteString(strconv.FormatInt(r.Timestamp.UnixNano(), 10))
	b.WriteByte('\t')
	b.WriteString(strconv.FormatInt(int64(r.Latency), 10))
	b.WriteByte('\t')
	b.WriteString(strconv.FormatUint(uint64(r.Code), 10))
	b.WriteByte('\t')
	if r.Code == 0 || r.Code >= 400 {
		b.WriteString(clean(r.Error))
	}
	for _, h := range w.headers {
		b.WriteByte('\t')
		if r.Headers != nil {
			b.WriteString(clean(strings.Join(r.Headers.Values(h), ", ")))
		}
	}
	if w.body {
		b.WriteByte('\t')
		b.WriteString(base64.StdEncoding.EncodeToString(r.Body))
	}
	_, err := b.WriteString("\n")
	return err
}

func (w *resultWriter) close() {
	close(w.done)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = w.bw.Flush()
	}
}

func clean(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
