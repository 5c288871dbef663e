package harness

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Listen ports are chosen between these bounds: below the kernel's ephemeral range, where the
// local port of a connection (the API server's to etcd, a client's to the API server) is
// never taken, so a port stays free between its choice and its bind; and below 30000, where
// NodePort Services begin.
const (
	listenPortsLow  = 20000
	listenPortsHigh = 30000
)

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// FreePort returns a TCP port that nothing on this machine listens on, for a process the
// harness starts to bind on 127.0.0.1 or on all addresses.
func FreePort() (int, error) {
	return freePortOn("")
}

// freePortOn returns a TCP port nothing listens on at host ("" for every address), outside
// the ephemeral range and never given before in this process: a port chosen for one process
// and not yet bound is not chosen for another.
func freePortOn(host string) (int, error) {
	high := min(listenPortsHigh, ephemeralPortsLow())
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 500 {
		port := listenPortsLow + rand.IntN(high-listenPortsLow)
		if portsGiven[port] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			continue
		}
		if err := l.Close(); err != nil {
			return 0, fmt.Errorf("close the probe of port %d: %w", port, err)
		}
		portsGiven[port] = true
		return port, nil
	}
	return 0, fmt.Errorf("no free TCP port on %q between %d and %d in 500 tries", host, listenPortsLow, high)
}

// ephemeralPortsLow is the first port of the kernel's ephemeral range (32768 by default).
func ephemeralPortsLow() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return 32768
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil || low <= listenPortsLow+1000 {
		return 32768
	}
	return low
}
