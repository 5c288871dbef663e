//go:build e2e

package faults

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"testing"
)

// TestTLSSettings checks the server as a client sees it: TLS 1.0 and 1.1 are refused, TLS 1.2
// and 1.3 work, and HTTP/2 is not offered even to a client that asks for it first.
func TestTLSSettings(t *testing.T) {
	pool := x509.NewCertPool()
	pool.AddCert(webhook.CA.Cert)
	dial := func(cfg *tls.Config) (*tls.Conn, error) {
		cfg.RootCAs, cfg.ServerName = pool, "localhost"
		return tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", webhook.Port), cfg)
	}
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		if conn, err := dial(&tls.Config{MinVersion: v, MaxVersion: v}); err == nil {
			conn.Close()
			t.Errorf("%s accepted", tls.VersionName(v))
		}
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		conn, err := dial(&tls.Config{MinVersion: v, MaxVersion: v})
		if err != nil {
			t.Errorf("%s refused: %v", tls.VersionName(v), err)
			continue
		}
		conn.Close()
	}
	conn, err := dial(&tls.Config{NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if proto := conn.ConnectionState().NegotiatedProtocol; proto == "h2" {
		t.Error("HTTP/2 was negotiated")
	} else {
		t.Logf("TLS 1.0/1.1 refused, 1.2/1.3 accepted; ALPN h2,http/1.1 negotiated %q", proto)
	}
}
