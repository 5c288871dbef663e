package certs

import (
	"fmt"
	"os"
	"path/filepath"
)

// File names of a bundle on disk, as Kubernetes TLS Secrets and cert-manager name them.
const (
	CertFile = "tls.crt"
	KeyFile  = "tls.key"
	CAFile   = "ca.crt"
)

// WriteFiles writes the bundle into dir. Each file is written beside its final name and
// renamed over it, and the key goes before the certificate, so a watcher that reloads on the
// certificate's change never reads a torn file or a certificate without its key.
func WriteFiles(dir string, b *Bundle) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create certificate directory: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{{KeyFile, b.KeyPEM, 0o600}, {CAFile, b.CAPEM, 0o644}, {CertFile, b.CertPEM, 0o644}} {
		path := filepath.Join(dir, f.name)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, f.data, f.mode); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("install %s: %w", f.name, err)
		}
	}
	return nil
}
