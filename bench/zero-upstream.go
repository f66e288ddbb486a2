// A zero-work HTTP upstream for bench/engine.bench.ts: every request gets 200, a two-byte body and
// the headers the chat load records (x-provider, x-cost-usd, x-cache, x-depth-k), all constant.
// Go (stdlib only), built at bench time with `go build` into the bench's work folder, so the
// upstream is not what limits a loopback load. Listens on 127.0.0.1, an OS-chosen port unless one
// is given; prints its URL on stdout once it accepts connections; exits on SIGTERM or when stdin
// closes (the bench is gone).
//
//	go build -o zero-upstream bench/zero-upstream.go && ./zero-upstream [port]
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := "127.0.0.1:0"
	if len(os.Args) > 1 {
		addr = "127.0.0.1:" + os.Args[1]
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zero-upstream:", err)
		os.Exit(1)
	}
	body := []byte("ok")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Length", "2")
		h.Set("Content-Type", "text/plain")
		h.Set("X-Provider", "primary")
		h.Set("X-Cost-Usd", "0.0021")
		h.Set("X-Cache", "miss")
		h.Set("X-Depth-K", "8")
		w.Write(body)
	})
	fmt.Printf("http://%s\n", ln.Addr())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	if err := http.Serve(ln, handler); err != nil {
		fmt.Fprintln(os.Stderr, "zero-upstream:", err)
		os.Exit(1)
	}
}
