package doctor

import (
	"context"
	"crypto/x509"
	"fmt"
	"math"
	"time"
)

// expiryWarning is how long before a certificate expires doctor reports it.
const expiryWarning = 14 * 24 * time.Hour

// checkExpiry: the serving certificate, and the CA in the Secret's ca.crt that signed it, are
// valid for at least 14 more days. podpolicy (self-managed TLS) and cert-manager renew them
// well before; one this close to its end means the renewal fails.
func checkExpiry(ctx context.Context, in *install) ([]Finding, error) {
	s, err := in.servingCertificate(ctx)
	if err != nil || s == nil || s.problem != nil {
		// The ca-bundle check reports a Secret that cannot be read.
		return nil, nil
	}
	leaf := s.chain[0]
	out := expiring(in, s, "the serving certificate", fmt.Sprintf("data[%q]", s.key), leaf)
	cas, _ := parseCertificates(s.caPEM)
	for _, ca := range cas {
		if leaf.CheckSignatureFrom(ca) == nil {
			out = append(out, expiring(in, s, "the CA that signed the serving certificate", `data["ca.crt"]`, ca)...)
		}
	}
	return out, nil
}

func expiring(in *install, s *serving, what, field string, c *x509.Certificate) []Finding {
	left := c.NotAfter.Sub(in.now)
	if left >= expiryWarning {
		return nil
	}
	when := fmt.Sprintf("expires on %s, in %s", c.NotAfter.UTC().Format(time.RFC3339), days(left))
	if left <= 0 {
		when = fmt.Sprintf("expired on %s, %s ago: the API server refuses to call podpolicy", c.NotAfter.UTC().Format(time.RFC3339), days(-left))
	}
	return []Finding{{
		Severity: High, Object: s.secret, Field: field,
		Message: fmt.Sprintf("%s in Secret %s/%s (%s) %s", what, s.secret.Namespace, s.secret.Name, subject(c), when),
		Fix:     in.renewFix(),
	}}
}

// days writes a duration in days, or hours under two days.
func days(d time.Duration) string {
	if d < 48*time.Hour {
		return fmt.Sprintf("%d hours", int(math.Round(d.Hours())))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}
