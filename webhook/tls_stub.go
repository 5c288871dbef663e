package webhook

import (
	"context"
	"crypto/tls"
	"errors"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
)

type tlsManager interface {
	GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error)
}

func startSelfManagedTLS(context.Context, *rest.Config, SelfManagedTLS, *Options, logr.Logger) (tlsManager, error) {
	return nil, errors.New("self-managed TLS is not built yet")
}
