package webhook

import (
	"crypto/tls"
	"crypto/x509"

	"github.com/prometheus/client_golang/prometheus"
)

// certExpiry exports when the serving certificate in force expires, read from the same
// GetCertificate the TLS listener uses, so that an alert sees a renewal that did not happen
// (self-managed TLS, or cert-manager's mounted Secret) before the API server's calls fail. It
// exports nothing while there is no certificate.
type certExpiry struct {
	desc *prometheus.Desc
	get  func(*tls.ClientHelloInfo) (*tls.Certificate, error)
}

func newCertExpiry(get func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *certExpiry {
	return &certExpiry{get: get, desc: prometheus.NewDesc("podpolicy_serving_certificate_expiry_timestamp_seconds",
		"When the serving certificate in force expires (its notAfter), in seconds since the epoch.", nil, nil)}
}

func (c *certExpiry) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *certExpiry) Collect(ch chan<- prometheus.Metric) {
	cert, err := c.get(nil)
	if err != nil || cert == nil || len(cert.Certificate) == 0 {
		return
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return
		}
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(leaf.NotAfter.Unix()))
}
