package doctor

import (
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// serveArgs are the flags of `podpolicy serve` that the checks compare with, as the
// Deployment gives them (the defaults of serve where it gives none).
type serveArgs struct {
	// container is the container that runs serve; nil when the Deployment has none.
	container          *corev1.Container
	evalTimeout        time.Duration
	evalTimeoutFlag    string // as written, for messages: --eval-timeout=2s
	auditInterval      time.Duration
	evaluator          string
	metricsAddr        string
	configFile         string
	selfManagedTLS     bool
	tlsSecretNamespace string
	tlsSecretName      string
	certDir, certName  string
}

// boolFlags are serve's flags that take no value.
var boolFlags = []string{"self-managed-tls", "audit-delete-clean", "enable-pprof"}

func defaultServeArgs(namespace string) serveArgs {
	return serveArgs{
		evalTimeout: 2 * time.Second, evalTimeoutFlag: "--eval-timeout=2s (the default)",
		evaluator: "auto", metricsAddr: ":8080", certName: "tls.crt", tlsSecretNamespace: namespace,
	}
}

// parseServeArgs reads serve's flags from the Deployment's container that runs it. A value
// serve would refuse keeps the default: the Pods would not start, which other checks report.
func parseServeArgs(d *appsv1.Deployment) serveArgs {
	a := defaultServeArgs(d.Namespace)
	c := serveContainer(d.Spec.Template.Spec.Containers)
	if c == nil {
		return a
	}
	a.container = c
	flags := flagValues(append(slices.Clone(c.Command), c.Args...))
	if v, ok := flags["eval-timeout"]; ok {
		if t, err := time.ParseDuration(v); err == nil {
			a.evalTimeout, a.evalTimeoutFlag = t, "--eval-timeout="+v
		}
	}
	if v, ok := flags["audit-interval"]; ok {
		if t, err := time.ParseDuration(v); err == nil {
			a.auditInterval = t
		}
	}
	for name, field := range map[string]*string{
		"evaluator": &a.evaluator, "metrics-bind-address": &a.metricsAddr, "config": &a.configFile,
		"tls-secret-name": &a.tlsSecretName, "webhook-cert-path": &a.certDir, "webhook-cert-name": &a.certName,
	} {
		if v, ok := flags[name]; ok {
			*field = v
		}
	}
	if v := flags["tls-secret-namespace"]; v != "" {
		a.tlsSecretNamespace = v
	}
	a.selfManagedTLS = flags["self-managed-tls"] == "true"
	return a
}

// serveContainer is the container whose command or args hold "serve", else the one named
// podpolicy, else the first; nil when there is no container.
func serveContainer(containers []corev1.Container) *corev1.Container {
	for i := range containers {
		if slices.Contains(containers[i].Args, "serve") || slices.Contains(containers[i].Command, "serve") {
			return &containers[i]
		}
	}
	for i := range containers {
		if containers[i].Name == "podpolicy" {
			return &containers[i]
		}
	}
	if len(containers) > 0 {
		return &containers[0]
	}
	return nil
}

// flagValues reads flags as Go's flag package does (-name, --name, =value or a separate value;
// the last occurrence wins); a boolean flag without a value is "true".
func flagValues(args []string) map[string]string {
	values := map[string]string{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") || arg == "-" || arg == "--" {
			continue
		}
		name := strings.TrimLeft(arg, "-")
		if k, v, ok := strings.Cut(name, "="); ok {
			values[k] = v
			continue
		}
		if slices.Contains(boolFlags, name) {
			values[name] = "true"
			continue
		}
		if i+1 < len(args) {
			values[name] = args[i+1]
			i++
		}
	}
	return values
}
