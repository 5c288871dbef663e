package doctor

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/podpolicy/podpolicy/certs"
)

// The installation of the fixture: `helm install pp charts/podpolicy -n podpolicy-system`.
const (
	release  = "pp"
	ns       = "podpolicy-system"
	fullname = "pp-podpolicy"
	service  = fullname + "." + ns + ".svc"
)

// now is the fixture's clock.
var now = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

// tlsMaterial is the fixture's CA, made a year before now and valid ten years, made once.
var tlsMaterial = sync.OnceValues(func() (*certs.CA, error) {
	return certs.NewCA("pp-podpolicy-ca", 10*365*24*time.Hour, now.Add(-365*24*time.Hour))
})

func issue(t *testing.T, ca *certs.CA, names []string, validity time.Duration) *certs.Bundle {
	t.Helper()
	b, err := ca.Issue(names, nil, validity, now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// fixture is a live installation as the chart renders it, every object editable before the
// fake clientset is made.
type fixture struct {
	validating *admissionregistrationv1.ValidatingWebhookConfiguration
	mutating   *admissionregistrationv1.MutatingWebhookConfiguration
	policy     *admissionregistrationv1.ValidatingAdmissionPolicy
	binding    *admissionregistrationv1.ValidatingAdmissionPolicyBinding
	deployment *appsv1.Deployment
	pods       []*corev1.Pod
	pdb        *policyv1.PodDisruptionBudget
	service    *corev1.Service
	secret     *corev1.Secret
	config     *corev1.ConfigMap
	namespaces []*corev1.Namespace
	// metrics are the metrics each Pod serves, by Pod name.
	metrics map[string]string
	// reactors run before the fake clientset's own.
	reactors []func(*fake.Clientset)
}

func labelsOf() map[string]string {
	return map[string]string{"app.kubernetes.io/name": "podpolicy", "app.kubernetes.io/instance": release}
}

// namespaceSelector is the chart's: kube-system and the release namespace never intercepted.
func namespaceSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system", ns}},
	}}
}

func clientConfig(path string, caPEM []byte) admissionregistrationv1.WebhookClientConfig {
	return admissionregistrationv1.WebhookClientConfig{
		Service:  &admissionregistrationv1.ServiceReference{Name: fullname, Namespace: ns, Path: ptr(path), Port: ptr(int32(443))},
		CABundle: caPEM,
	}
}

func rule(group string, ops []admissionregistrationv1.OperationType, scope admissionregistrationv1.ScopeType, resources ...string) admissionregistrationv1.RuleWithOperations {
	return admissionregistrationv1.RuleWithOperations{
		Operations: ops,
		Rule:       admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{"v1"}, Resources: resources, Scope: &scope},
	}
}

// metricsText is what a replica of podpolicy serves: the compiled evaluator, the config
// loaded, and, for the replica that audits, the last audit five minutes ago.
func metricsText(audits bool) string {
	last := "0"
	if audits {
		last = fmt.Sprintf("%g", float64(now.Add(-5*time.Minute).Unix()))
	}
	return `# HELP podpolicy_policy_evaluator 1 for the evaluator that runs the policy set in force (compiled or topdown), 0 for the other.
# TYPE podpolicy_policy_evaluator gauge
podpolicy_policy_evaluator{evaluator="compiled"} 1
podpolicy_policy_evaluator{evaluator="topdown"} 0
# HELP podpolicy_policy_reload_failing 1 while the config or policy files on disk fail to load and the last good set runs; 0 after a successful load.
# TYPE podpolicy_policy_reload_failing gauge
podpolicy_policy_reload_failing 0
podpolicy_policy_reloads_total{result="success"} 3
# TYPE podpolicy_audit_last_success_timestamp_seconds gauge
podpolicy_audit_last_success_timestamp_seconds ` + last + "\n"
}

// cleanInstall is the chart's default installation, healthy: no check finds anything in it.
func cleanInstall(t *testing.T) *fixture {
	t.Helper()
	ca, err := tlsMaterial()
	if err != nil {
		t.Fatal(err)
	}
	serving := issue(t, ca, []string{fullname, fullname + "." + ns, service, service + ".cluster.local"}, 365*24*time.Hour)
	createUpdate := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	update := []admissionregistrationv1.OperationType{admissionregistrationv1.Update}
	meta := func(name, namespace string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labelsOf()}
	}
	guardRules := []admissionregistrationv1.RuleWithOperations{rule("", createUpdate, admissionregistrationv1.ClusterScope, "namespaces", "namespaces/status", "namespaces/finalize")}
	f := &fixture{
		validating: &admissionregistrationv1.ValidatingWebhookConfiguration{
			ObjectMeta: meta(fullname, ""),
			Webhooks: []admissionregistrationv1.ValidatingWebhook{{
				Name: "validate.podpolicy.io", ClientConfig: clientConfig("/validate", ca.CertPEM),
				Rules: []admissionregistrationv1.RuleWithOperations{
					rule("", createUpdate, admissionregistrationv1.NamespacedScope, "pods"),
					rule("", update, admissionregistrationv1.NamespacedScope, "pods/ephemeralcontainers", "pods/resize"),
					rule("", createUpdate, admissionregistrationv1.NamespacedScope, "replicationcontrollers"),
					rule("apps", createUpdate, admissionregistrationv1.NamespacedScope, "deployments", "statefulsets", "daemonsets", "replicasets"),
					rule("batch", createUpdate, admissionregistrationv1.NamespacedScope, "jobs", "cronjobs"),
				},
				FailurePolicy: ptr(admissionregistrationv1.Fail), MatchPolicy: ptr(admissionregistrationv1.Equivalent),
				NamespaceSelector: namespaceSelector(), ObjectSelector: &metav1.LabelSelector{},
				SideEffects: ptr(admissionregistrationv1.SideEffectClassNone), TimeoutSeconds: ptr(int32(5)), AdmissionReviewVersions: []string{"v1"},
			}, {
				Name: "mode-guard.podpolicy.io", ClientConfig: clientConfig("/validate", ca.CertPEM), Rules: guardRules,
				MatchConditions: []admissionregistrationv1.MatchCondition{{Name: "guarded-label-changes", Expression: "true"}},
				FailurePolicy:   ptr(admissionregistrationv1.Fail), MatchPolicy: ptr(admissionregistrationv1.Equivalent),
				NamespaceSelector: &metav1.LabelSelector{}, ObjectSelector: &metav1.LabelSelector{},
				SideEffects: ptr(admissionregistrationv1.SideEffectClassNone), TimeoutSeconds: ptr(int32(5)), AdmissionReviewVersions: []string{"v1"},
			}},
		},
		mutating: &admissionregistrationv1.MutatingWebhookConfiguration{
			ObjectMeta: meta(fullname, ""),
			Webhooks: []admissionregistrationv1.MutatingWebhook{{
				Name: "mutate.podpolicy.io", ClientConfig: clientConfig("/mutate", ca.CertPEM),
				Rules:         []admissionregistrationv1.RuleWithOperations{rule("", []admissionregistrationv1.OperationType{admissionregistrationv1.Create}, admissionregistrationv1.NamespacedScope, "pods")},
				FailurePolicy: ptr(admissionregistrationv1.Ignore), MatchPolicy: ptr(admissionregistrationv1.Equivalent),
				NamespaceSelector: namespaceSelector(), ObjectSelector: &metav1.LabelSelector{},
				SideEffects: ptr(admissionregistrationv1.SideEffectClassNone), TimeoutSeconds: ptr(int32(5)),
				ReinvocationPolicy: ptr(admissionregistrationv1.NeverReinvocationPolicy), AdmissionReviewVersions: []string{"v1"},
			}},
		},
		policy: &admissionregistrationv1.ValidatingAdmissionPolicy{
			ObjectMeta: meta(fullname+"-mode-guard", ""),
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				FailurePolicy: ptr(admissionregistrationv1.Fail),
				MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						Operations: createUpdate,
						Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"namespaces", "namespaces/status", "namespaces/finalize"}},
					},
				}}},
				Validations: []admissionregistrationv1.Validation{{Expression: "request.userInfo.groups.exists(g, g in ['system:masters'])"}},
			},
		},
		binding: &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
			ObjectMeta: meta(fullname+"-mode-guard", ""),
			Spec:       admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: fullname + "-mode-guard", ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}},
		},
		deployment: &appsv1.Deployment{
			ObjectMeta: meta(fullname, ns),
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr(int32(2)),
				Selector: &metav1.LabelSelector{MatchLabels: labelsOf()},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labelsOf()},
					Spec: corev1.PodSpec{
						Containers: []corev1.Container{{
							Name: "podpolicy", Image: "ghcr.io/podpolicy/podpolicy:0.1.0",
							Args: []string{"serve", "--webhook-port=9443", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
								"--config=/etc/podpolicy/config.yaml", "--shutdown-delay=5s", "--eval-timeout=2s", "--zap-log-level=info",
								"--audit-interval=10m", "--audit-lease-namespace=" + ns, "--audit-lease-name=" + fullname + "-audit",
								"--self-managed-tls", "--tls-secret-name=" + fullname + "-tls", "--tls-secret-namespace=" + ns, "--tls-service-name=" + fullname,
								"--validating-webhook-configuration=" + fullname, "--mutating-webhook-configuration=" + fullname},
							VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/podpolicy", ReadOnly: true}},
						}},
						Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: fullname}}}}},
					},
				},
			},
			Status: appsv1.DeploymentStatus{Replicas: 2, ReadyReplicas: 2, AvailableReplicas: 2},
		},
		pdb: &policyv1.PodDisruptionBudget{
			ObjectMeta: meta(fullname, ns),
			Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromInt32(1)), Selector: &metav1.LabelSelector{MatchLabels: labelsOf()}},
		},
		service: &corev1.Service{ObjectMeta: meta(fullname, ns), Spec: corev1.ServiceSpec{Selector: labelsOf()}},
		secret: &corev1.Secret{
			ObjectMeta: meta(fullname+"-tls", ns), Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": serving.CertPEM, "tls.key": serving.KeyPEM, "ca.crt": ca.CertPEM, "ca.key": ca.KeyPEM},
		},
		config: &corev1.ConfigMap{
			ObjectMeta: meta(fullname, ns),
			Data:       map[string]string{"config.yaml": "guardedLabels:\n- podpolicy.io/mode\nmutation:\n  labels:\n    example.com/policy: podpolicy\n"},
		},
		metrics: map[string]string{fullname + "-a": metricsText(true), fullname + "-b": metricsText(false)},
	}
	for _, name := range []string{"kube-system", ns, "default"} {
		f.namespaces = append(f.namespaces, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/metadata.name": name}}})
	}
	for _, name := range []string{fullname + "-a", fullname + "-b"} {
		f.pods = append(f.pods, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labelsOf()},
			Status: corev1.PodStatus{
				Phase: corev1.PodRunning, StartTime: &metav1.Time{Time: now.Add(-2 * time.Hour)},
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			},
		})
	}
	return f
}

// client is a fake clientset holding the fixture's objects, whose pod proxy serves each Pod's
// metrics on port 8080.
func (f *fixture) client(t *testing.T) *fake.Clientset {
	t.Helper()
	var objects []runtime.Object
	add := func(o runtime.Object, present bool) {
		if present {
			objects = append(objects, o)
		}
	}
	add(f.validating, f.validating != nil)
	add(f.mutating, f.mutating != nil)
	add(f.policy, f.policy != nil)
	add(f.binding, f.binding != nil)
	add(f.deployment, f.deployment != nil)
	add(f.pdb, f.pdb != nil)
	add(f.service, f.service != nil)
	add(f.secret, f.secret != nil)
	add(f.config, f.config != nil)
	for _, p := range f.pods {
		objects = append(objects, p)
	}
	for _, n := range f.namespaces {
		objects = append(objects, n)
	}
	client := fake.NewClientset(objects...)
	client.PrependProxyReactor("pods", func(action k8stesting.Action) (bool, rest.ResponseWrapper, error) {
		get, ok := action.(k8stesting.ProxyGetAction)
		if !ok || get.GetScheme() != "http" || get.GetPort() != "8080" || get.GetPath() != "metrics" {
			return true, response{err: fmt.Errorf("unexpected proxy request %#v", action)}, nil
		}
		text, ok := f.metrics[get.GetName()]
		if !ok {
			return true, response{err: fmt.Errorf("pod %s serves no metrics", get.GetName())}, nil
		}
		return true, response{body: text}, nil
	})
	for _, r := range f.reactors {
		r(client)
	}
	return client
}

// response is a pod proxy's answer.
type response struct {
	body string
	err  error
}

func (r response) DoRaw(context.Context) ([]byte, error) { return []byte(r.body), r.err }

func (r response) Stream(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(r.body)), r.err
}

// run runs doctor on the fixture, naming its release and namespace.
func (f *fixture) run(t *testing.T) *Report {
	t.Helper()
	r, err := Run(context.Background(), Options{Client: f.client(t), Release: release, Namespace: ns, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("doctor: %v", err)
	}
	return r
}
