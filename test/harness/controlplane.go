package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

var quietLogger sync.Once

// ControlPlane is a running kube-apiserver, etcd and kube-controller-manager, with Node objects
// for the DaemonSet controller and a kubeconfig for kubectl.
type ControlPlane struct {
	env *envtest.Environment
	// Controllers is the running kube-controller-manager.
	Controllers *Controllers
	// Config is an admin client config.
	Config *rest.Config
	// Client is an admin clientset.
	Client kubernetes.Interface
	// Kubeconfig is the path of an admin kubeconfig file.
	Kubeconfig string
	// Kubectl is the path of the kubectl binary.
	KubectlPath string
}

// StartControlPlane starts kube-apiserver and etcd from bin/, installs the CRDs of crdPaths
// (files or directories), writes an admin kubeconfig into dir, starts kube-controller-manager
// and registers the Nodes of NodeNames.
func StartControlPlane(dir string, crdPaths ...string) (*ControlPlane, error) {
	return startControlPlane(dir, nil, crdPaths...)
}

// nodeServing is how the API server of a real node's control plane serves: on the host's end
// of the node's veth, with a certificate that also names the kubernetes Service's address,
// the ServiceAccount admission plugin on (the kubelet mounts the tokens it adds), and calls to
// Services (webhooks) and kubelets made at their Pods' and Node's addresses.
type nodeServing struct {
	port    int
	certDir string
	caPEM   []byte
}

func startControlPlane(dir string, serving *nodeServing, crdPaths ...string) (*ControlPlane, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// envtest logs through controller-runtime; without a logger it prints a warning instead.
	quietLogger.Do(func() { ctrllog.SetLogger(logr.Discard()) })
	env := &envtest.Environment{
		BinaryAssetsDirectory: bin, ControlPlaneStartTimeout: 90 * time.Second, ControlPlaneStopTimeout: 30 * time.Second,
		CRDDirectoryPaths: crdPaths, ErrorIfCRDPathMissing: true,
	}
	if serving != nil {
		api := &envtest.APIServer{CertDir: serving.certDir}
		api.SecureServing.Address, api.SecureServing.Port = HostAddress, strconv.Itoa(serving.port)
		// envtest keeps certificates it finds in CertDir; this is the CA that signed them.
		api.SecureServing.CA = serving.caPEM
		args := api.Configure()
		args.Set("advertise-address", HostAddress)
		args.Disable("disable-admission-plugins")
		args.Set("enable-aggregator-routing", "true")
		args.Set("kubelet-preferred-address-types", "InternalIP")
		args.Set("service-cluster-ip-range", ServiceCIDR)
		env.ControlPlane.APIServer = api
	}
	if _, err := env.Start(); err != nil {
		return nil, fmt.Errorf("start kube-apiserver and etcd: %w", err)
	}
	cp := &ControlPlane{env: env, KubectlPath: filepath.Join(bin, "kubectl")}
	user, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("add admin user: %w", err), cp.Stop())
	}
	cp.Config = user.Config()
	// Tests create Pods in bursts; client-go's default of 5 requests a second would be the
	// bottleneck, not the API server or podpolicy.
	cp.Config.QPS, cp.Config.Burst = 1000, 2000
	if cp.Client, err = kubernetes.NewForConfig(cp.Config); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	cp.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(cp.Kubeconfig, kubeconfig, 0o600); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	// The controllers act as the identity Kubernetes gives them, system:kube-controller-manager
	// (with an admin's rights: --use-service-account-credentials is off), so that what they
	// create is told apart from what users create, as in a real cluster.
	controllerUser, err := env.AddUser(envtest.User{Name: "system:kube-controller-manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("add the controller manager's user: %w", err), cp.Stop())
	}
	controllerKubeconfig, err := controllerUser.KubeConfig()
	if err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	kcmKubeconfig := filepath.Join(dir, "kube-controller-manager.kubeconfig")
	if err := os.WriteFile(kcmKubeconfig, controllerKubeconfig, 0o600); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	ctx := context.Background()
	saKey := filepath.Join(env.ControlPlane.APIServer.CertDir, "sa-signer.key")
	if cp.Controllers, err = startControllers(ctx, bin, dir, kcmKubeconfig, saKey, cp.Config.CAData, cp.Client, serving != nil); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	if serving != nil {
		return cp, nil
	}
	if err := registerNodes(ctx, cp.Client, NodeNames); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	return cp, nil
}

// Stop stops kube-controller-manager, the API server and etcd.
func (cp *ControlPlane) Stop() error {
	return errors.Join(cp.Controllers.Stop(), cp.env.Stop())
}

// Result is the outcome of a kubectl run.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// Output returns stdout and stderr together, for failure messages.
func (r Result) Output() string { return r.Stdout + r.Stderr }

// Kubectl runs kubectl against the control plane, with stdin when non-empty.
func (cp *ControlPlane) Kubectl(ctx context.Context, stdin string, args ...string) Result {
	return run(exec.CommandContext(ctx, cp.KubectlPath, append([]string{"--kubeconfig", cp.Kubeconfig}, args...)...), stdin)
}

// Command runs a program and returns its output and exit code.
func Command(ctx context.Context, name string, args ...string) Result {
	return run(exec.CommandContext(ctx, name, args...), "")
}

func run(cmd *exec.Cmd, stdin string) Result {
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := errors.AsType[*exec.ExitError](err); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		code = -1
		stderr.WriteString(err.Error())
	}
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: code}
}

// Helm runs the helm binary of bin/ against the control plane.
func (cp *ControlPlane) Helm(ctx context.Context, args ...string) Result {
	return run(exec.CommandContext(ctx, filepath.Join(filepath.Dir(cp.KubectlPath), "helm"), append([]string{"--kubeconfig", cp.Kubeconfig}, args...)...), "")
}

// writeUserKubeconfig writes a kubeconfig of a client-certificate user name in groups to path.
func (cp *ControlPlane) writeUserKubeconfig(path, name string, groups ...string) error {
	user, err := cp.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return fmt.Errorf("add user %s: %w", name, err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}
