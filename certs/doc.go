// Package certs provides podpolicy's TLS material: a small certificate authority that issues
// serving certificates, and writing them as the tls.crt/tls.key/ca.crt files that the webhook
// server reloads when they change.
package certs
