package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"
)

const (
	// rolloutsModule is Argo Rollouts' module, pinned by test/tools/rollouts.
	rolloutsModule    = "github.com/argoproj/argo-rollouts"
	rolloutsModuleDir = "test/tools/rollouts"

	// RolloutsNamespace and RolloutsServiceAccount are where a default install of Argo
	// Rollouts (its manifests/install.yaml) runs its controller, and as whom.
	RolloutsNamespace      = "argo-rollouts"
	RolloutsServiceAccount = "argo-rollouts"
	// RolloutsUser is the user name the API server sees on the controller's requests.
	RolloutsUser = "system:serviceaccount:" + RolloutsNamespace + ":" + RolloutsServiceAccount

	// rolloutsTokenLifetime covers the longest suite; the token is issued per start.
	rolloutsTokenLifetime = 24 * time.Hour
	// rolloutsStartTimeout bounds the wait for the controller to sync its caches.
	rolloutsStartTimeout = 90 * time.Second
)

// RolloutsCRDs returns the CustomResourceDefinition files of the pinned Argo Rollouts
// (Rollout, Experiment, AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate), for the
// crdPaths of StartControlPlane, StartSuite or RunSuite.
func RolloutsCRDs(ctx context.Context) ([]string, error) {
	dir, err := ModuleDir(ctx, rolloutsModuleDir, rolloutsModule)
	if err != nil {
		return nil, err
	}
	crds := filepath.Join(dir, "manifests", "crds")
	var paths []string
	for _, name := range []string{"rollout-crd.yaml", "experiment-crd.yaml", "analysis-run-crd.yaml", "analysis-template-crd.yaml", "cluster-analysis-template-crd.yaml"} {
		path := filepath.Join(crds, name)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("argo rollouts crd: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// Rollouts is a running Argo Rollouts controller (bin/rollouts-controller), acting as the
// ServiceAccount of a default install, RolloutsUser, with that install's ClusterRole.
type Rollouts struct {
	// Kubeconfig is the controller's kubeconfig: the ServiceAccount's token.
	Kubeconfig string
	// LogPath is the controller's log.
	LogPath string
	// MetricsPort and HealthzPort are where the controller serves /metrics and /healthz.
	MetricsPort, HealthzPort int

	process *daemon
}

// StartRollouts runs Argo Rollouts' controller against cp as a default install does: it
// creates the namespace argo-rollouts with the ServiceAccount argo-rollouts, applies the
// ClusterRole and ClusterRoleBinding of the module's manifests/install.yaml, writes into dir a
// kubeconfig with a token of the ServiceAccount (TokenRequest) and starts the controller with
// it, its log in dir, leader election off and its servers on free ports. It returns once the
// controller has synced its caches and started its workers. cp must have the CRDs of
// RolloutsCRDs.
func StartRollouts(ctx context.Context, cp *ControlPlane, dir string) (*Rollouts, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	binary := filepath.Join(bin, "rollouts-controller")
	if _, err := os.Stat(binary); err != nil {
		return nil, fmt.Errorf("rollouts-controller is missing from %s: run `make tools` first", bin)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := installRolloutsIdentity(ctx, cp); err != nil {
		return nil, err
	}
	r := &Rollouts{Kubeconfig: filepath.Join(dir, "rollouts-controller.kubeconfig"), LogPath: filepath.Join(dir, "rollouts-controller.log")}
	if err := cp.writeServiceAccountKubeconfig(ctx, r.Kubeconfig, RolloutsNamespace, RolloutsServiceAccount); err != nil {
		return nil, err
	}
	for _, port := range []*int{&r.MetricsPort, &r.HealthzPort} {
		if *port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(binary,
		"--kubeconfig="+r.Kubeconfig,
		// No leases in argo-rollouts to compete for: the harness runs one controller.
		"--leader-elect=false",
		// The controller listens on all addresses (0.0.0.0), by default on 8090 and 8080.
		"--metricsPort="+strconv.Itoa(r.MetricsPort),
		"--healthzPort="+strconv.Itoa(r.HealthzPort),
		"--loglevel=info",
	)
	// Where it looks for its ConfigMaps (argo-rollouts-config and the notifications'), as in
	// its Pod; without them it runs with no plugins and no notifications.
	cmd.Env = append(os.Environ(), "POD_NAMESPACE="+RolloutsNamespace)
	if r.process, err = startDaemon("rollouts-controller", r.LogPath, cmd); err != nil {
		return nil, err
	}
	if err := r.waitWorking(ctx); err != nil {
		return nil, errors.Join(err, r.Stop())
	}
	return r, nil
}

// installRolloutsIdentity creates the controller's namespace and ServiceAccount and applies
// the ClusterRole and ClusterRoleBinding of the pinned install.yaml; what exists is kept.
func installRolloutsIdentity(ctx context.Context, cp *ControlPlane) error {
	role, binding, err := rolloutsRBAC(ctx)
	if err != nil {
		return err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: RolloutsNamespace}}
	if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", RolloutsNamespace, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: RolloutsServiceAccount, Namespace: RolloutsNamespace}}
	if _, err := cp.Client.CoreV1().ServiceAccounts(RolloutsNamespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create serviceaccount %s/%s: %w", RolloutsNamespace, RolloutsServiceAccount, err)
	}
	if _, err := cp.Client.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create clusterrole %s: %w", role.Name, err)
	}
	if _, err := cp.Client.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create clusterrolebinding %s: %w", binding.Name, err)
	}
	return nil
}

// rolloutsRBAC reads the controller's ClusterRole and ClusterRoleBinding (both named
// argo-rollouts) from the pinned module's manifests/install.yaml.
func rolloutsRBAC(ctx context.Context) (*rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding, error) {
	dir, err := ModuleDir(ctx, rolloutsModuleDir, rolloutsModule)
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(dir, "manifests", "install.yaml")
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("argo rollouts install manifest: %w", err)
	}
	defer f.Close()
	var role *rbacv1.ClusterRole
	var binding *rbacv1.ClusterRoleBinding
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for role == nil || binding == nil {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", path, err)
		}
		var meta metav1.PartialObjectMetadata
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", path, err)
		}
		if meta.APIVersion != rbacv1.SchemeGroupVersion.String() || meta.Name != RolloutsServiceAccount {
			continue
		}
		switch meta.Kind {
		case "ClusterRole":
			role = &rbacv1.ClusterRole{}
			err = yaml.UnmarshalStrict(doc, role)
		case "ClusterRoleBinding":
			binding = &rbacv1.ClusterRoleBinding{}
			err = yaml.UnmarshalStrict(doc, binding)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read %s %s from %s: %w", meta.Kind, meta.Name, path, err)
		}
	}
	if role == nil || binding == nil {
		return nil, nil, fmt.Errorf("%s lacks the clusterrole or the clusterrolebinding %s", path, RolloutsServiceAccount)
	}
	// The binding is what makes the role the controller's: hold the manifest to it.
	want := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: RolloutsServiceAccount, Namespace: RolloutsNamespace}
	if binding.RoleRef.Kind != "ClusterRole" || binding.RoleRef.Name != role.Name || len(binding.Subjects) != 1 || binding.Subjects[0] != want {
		return nil, nil, fmt.Errorf("clusterrolebinding %s of %s binds %v to %v, not clusterrole %s to serviceaccount %s/%s",
			binding.Name, path, binding.RoleRef, binding.Subjects, role.Name, RolloutsNamespace, RolloutsServiceAccount)
	}
	return role, binding, nil
}

// writeServiceAccountKubeconfig writes to path a kubeconfig for the API server with a token of
// the ServiceAccount namespace/name, issued by the TokenRequest API: the API server signs it
// with its --service-account-signing-key-file and authenticates it as
// system:serviceaccount:namespace:name, as it does a Pod's projected token.
func (cp *ControlPlane) writeServiceAccountKubeconfig(ctx context.Context, path, namespace, name string) error {
	request := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: ptr(int64(rolloutsTokenLifetime / time.Second)),
	}}
	token, err := cp.Client.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, request, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("request a token of serviceaccount %s/%s: %w", namespace, name, err)
	}
	user := "system:serviceaccount:" + namespace + ":" + name
	config := clientcmdapi.NewConfig()
	config.Clusters["harness"] = &clientcmdapi.Cluster{Server: cp.Config.Host, CertificateAuthorityData: cp.Config.CAData}
	config.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token.Status.Token}
	config.Contexts["harness"] = &clientcmdapi.Context{Cluster: "harness", AuthInfo: user, Namespace: namespace}
	config.CurrentContext = "harness"
	if err := clientcmd.WriteToFile(*config, path); err != nil {
		return fmt.Errorf("write the kubeconfig of serviceaccount %s/%s: %w", namespace, name, err)
	}
	return nil
}

// waitWorking waits until the controller's /healthz answers and it logs that it started its
// controllers, which it does once its informers' caches have synced: with a missing
// permission or CRD it keeps retrying the list and never does.
func (r *Rollouts) waitWorking(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, rolloutsStartTimeout)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", r.HealthzPort)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if r.healthy(ctx, client, url) && r.logged("Started controller") {
			return nil
		}
		select {
		case <-r.process.done:
			return fmt.Errorf("rollouts-controller exited:\n%s", r.LogTail(30))
		case <-ctx.Done():
			return fmt.Errorf("rollouts-controller did not start its controllers within %v: %w\n%s", rolloutsStartTimeout, ctx.Err(), r.LogTail(30))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (r *Rollouts) healthy(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (r *Rollouts) logged(message string) bool {
	data, _ := os.ReadFile(r.LogPath)
	return strings.Contains(string(data), message)
}

// Stop stops the controller, by its PID, and waits for it to exit.
func (r *Rollouts) Stop() error {
	if r != nil {
		r.process.stop(10 * time.Second)
	}
	return nil
}

// LogTail returns the last n lines of the controller's log.
func (r *Rollouts) LogTail(n int) string { return r.process.logTail(n) }
