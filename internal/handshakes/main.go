// Command handshakes is a benchmark client (scripts/bench-public.sh): it
// makes full TLS handshakes — a new connection each time, never a resumed
// session — against an address for a server name, from several goroutines,
// for a while, and prints how many it completed per second.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:443", "`host:port` to connect to")
	name := flag.String("name", "localhost", "server `name` sent in the handshake (SNI)")
	conc := flag.Int("c", 16, "connections at once")
	dur := flag.Duration("d", 10*time.Second, "how long")
	flag.Parse()
	cfg := &tls.Config{ServerName: *name, InsecureSkipVerify: true, ClientSessionCache: nil} // the certificate is self-signed; no session cache: every handshake is full
	var done, failed atomic.Int64
	stop := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", *addr, cfg)
				if err != nil {
					failed.Add(1)
					continue
				}
				c.Close()
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		log.Printf("%d handshakes failed", failed.Load())
	}
	fmt.Printf("%.0f\n", float64(done.Load())/dur.Seconds())
}
