package harness

import (
	"net"
	"strconv"
	"testing"
)

// TestFreePortIsBelowTheEphemeralRangeAndNeverRepeats: a connection's local port can never
// take a chosen port before its process binds it, nor can a second choice; and each port
// given can be bound while the ports given before it are held.
func TestFreePortIsBelowTheEphemeralRangeAndNeverRepeats(t *testing.T) {
	seen := map[int]bool{}
	for range 200 {
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if port < listenPortsLow || port >= min(listenPortsHigh, ephemeralPortsLow()) {
			t.Fatalf("port %d is outside [%d, %d)", port, listenPortsLow, min(listenPortsHigh, ephemeralPortsLow()))
		}
		if seen[port] {
			t.Fatalf("port %d given twice", port)
		}
		seen[port] = true
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatalf("port %d was given but cannot be bound: %v", port, err)
		}
		defer l.Close()
	}
}
