package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/podpolicy/podpolicy/policies/kinds"
	"github.com/podpolicy/podpolicy/policies/normalize"
)

// chooser draws the choices of the object generator: from the fuzzer's bytes while they last,
// then from a generator seeded by them, so the fuzzer can steer every choice.
type chooser struct {
	data []byte
	rng  *rand.Rand
}

func newChooser(data []byte) *chooser {
	var seed [32]byte
	copy(seed[:], data)
	return &chooser{data: data, rng: rand.New(rand.NewChaCha8(seed))}
}

func (c *chooser) intn(n int) int {
	if n <= 1 {
		return 0
	}
	if len(c.data) > 0 {
		b := c.data[0]
		c.data = c.data[1:]
		return int(b) % n
	}
	return c.rng.IntN(n)
}

func (c *chooser) chance(percent int) bool { return c.intn(100) < percent }

func pick[T any](c *chooser, items ...T) T { return items[c.intn(len(items))] }

// orNull returns v, or now and then JSON null (which the API server drops).
func (c *chooser) orNull(v any) any {
	if c.chance(5) {
		return nil
	}
	return v
}

var (
	genNames     = []string{"web", "app", "istio-proxy", "linkerd-proxy", "sidecar", "web", "ünïcødé", "a-very-long-container-name-that-goes-on", "init", ""}
	genImages    = []string{"nginx", "nginx:latest", "nginx:1.27.3", "registry:5000/app", "registry:5000/app:2.0", "registry.example.com/shop/api:1.2.3", "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io/x/y:latest@sha256:aa", "ünïcode:1", "", ":", "UPPER/Case:TAG"}
	genPortNames = []string{"http", "http2", "metrics", "grpc", "", "ünï"}
	genCaps      = []string{"ALL", "all", "NET_BIND_SERVICE", "NET_ADMIN", "CAP_SYS_ADMIN", "SYS_ADMIN", "NET_RAW", "CHOWN", ""}
	genSysctls   = []string{"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net/ipv4/ip_local_port_range", "net.core.somaxconn", "kernel.msgmax", "net.ipv4.tcp_syncookies", ""}
	genPaths     = []string{"/var/log", "/var/log/app", "/var/logs-secret", "/", "/etc", "/var/run/docker.sock", "/var/log/"}
	genSeccomp   = []string{"RuntimeDefault", "Localhost", "Unconfined", "runtimedefault", ""}
)

// genObject generates a Pod or a workload of any kind with odd but valid values: nulls, empty
// lists, string ports, duplicate names, long lists, unicode.
func genObject(c *chooser) map[string]any {
	spec := genPodSpec(c)
	meta := genMetadata(c)
	kind := pick(c, "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob")
	template := map[string]any{"metadata": genMetadata(c), "spec": spec}
	switch kind {
	case "Pod":
		return map[string]any{"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": spec}
	case "ReplicationController":
		return map[string]any{"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": map[string]any{"template": template}}
	case "Job":
		return map[string]any{"apiVersion": "batch/v1", "kind": kind, "metadata": meta, "spec": map[string]any{"template": template}}
	case "CronJob":
		return map[string]any{"apiVersion": "batch/v1", "kind": kind, "metadata": meta, "spec": map[string]any{
			"schedule": "* * * * *", "jobTemplate": map[string]any{"spec": map[string]any{"template": template}}}}
	}
	return map[string]any{"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": map[string]any{"template": template}}
}

func genMetadata(c *chooser) map[string]any {
	meta := map[string]any{"name": pick(c, "web", "ne-prometheus-node-exporter", "ünï", "x")}
	if c.chance(60) {
		labels := map[string]any{}
		for range c.intn(4) {
			labels[pick(c, "app", "team", "owner", "example.com/policy")] = pick(c, "web", "payments", "", "ünï")
		}
		meta["labels"] = c.orNull(labels)
	}
	if c.chance(40) {
		annotations := map[string]any{}
		if c.chance(50) {
			annotations["kubectl.kubernetes.io/default-container"] = pick(c, genNames...)
		}
		if c.chance(30) {
			annotations["container.apparmor.security.beta.kubernetes.io/"+pick(c, genNames...)] = pick(c, "runtime/default", "unconfined", "localhost/x")
		}
		meta["annotations"] = annotations
	}
	return meta
}

func genPodSpec(c *chooser) map[string]any {
	spec := map[string]any{}
	n := c.intn(4)
	if c.chance(3) {
		n = 40 + c.intn(40) // a long list
	}
	containers := make([]any, n)
	for i := range containers {
		containers[i] = genContainer(c, true)
	}
	if n > 0 || c.chance(50) {
		spec["containers"] = containers
	}
	if c.chance(40) {
		inits := make([]any, 1+c.intn(3))
		for i := range inits {
			init := genContainer(c, true)
			if c.chance(50) {
				init["restartPolicy"] = "Always"
			}
			inits[i] = init
		}
		spec["initContainers"] = inits
	}
	if c.chance(20) {
		spec["ephemeralContainers"] = []any{genContainer(c, false)}
	}
	for _, field := range []string{"hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace"} {
		if c.chance(15) {
			spec[field] = c.orNull(c.chance(60))
		}
	}
	if c.chance(30) {
		spec["restartPolicy"] = pick(c, "Always", "OnFailure", "Never")
	}
	if c.chance(10) {
		spec["os"] = map[string]any{"name": pick(c, "windows", "linux")}
	}
	if c.chance(50) {
		spec["securityContext"] = genSecurityContext(c, true)
	}
	if c.chance(40) {
		volumes := make([]any, 1+c.intn(3))
		for i := range volumes {
			v := map[string]any{"name": pick(c, "data", "logs", "data")}
			switch c.intn(5) {
			case 0:
				v["hostPath"] = map[string]any{"path": pick(c, genPaths...)}
			case 1:
				v["emptyDir"] = map[string]any{}
			case 2:
				v["configMap"] = map[string]any{"name": "cfg"}
			case 3:
				v["futureVolumeType"] = map[string]any{"x": 1}
			default:
				v["persistentVolumeClaim"] = map[string]any{"claimName": "c"}
			}
			volumes[i] = v
		}
		spec["volumes"] = volumes
	}
	if c.chance(20) {
		spec["resources"] = genResources(c)
	}
	return spec
}

func genContainer(c *chooser, regular bool) map[string]any {
	container := map[string]any{"name": pick(c, genNames...), "image": pick(c, genImages...)}
	if c.chance(60) {
		ports := make([]any, c.intn(4))
		for i := range ports {
			port := map[string]any{"containerPort": pick[any](c, 80, 8080, 8080, 9100, 443, 53)}
			if c.chance(5) {
				port["containerPort"] = "8080" // a string port
			}
			if c.chance(40) {
				port["name"] = pick(c, genPortNames...)
			}
			if c.chance(40) {
				port["protocol"] = c.orNull(pick(c, "TCP", "UDP", "SCTP"))
			}
			if c.chance(20) {
				port["hostPort"] = pick[any](c, 0, 80, 8080, 9100)
			}
			if c.chance(10) {
				port["hostIP"] = pick(c, "0.0.0.0", "127.0.0.1", "")
			}
			ports[i] = port
		}
		container["ports"] = ports
	}
	if regular && c.chance(60) {
		container["resources"] = genResources(c)
	}
	if regular {
		for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
			if c.chance(40) {
				container[probe] = c.orNull(genProbe(c))
			}
		}
	}
	if c.chance(70) {
		container["securityContext"] = genSecurityContext(c, false)
	}
	return container
}

func genProbe(c *chooser) map[string]any {
	port := pick[any](c, 8080, "http", "metrics", "missing", 9100)
	switch c.intn(4) {
	case 0:
		return map[string]any{"httpGet": map[string]any{"path": "/healthz", "port": port, "host": c.orNull(pick(c, "", "10.0.0.1"))}}
	case 1:
		return map[string]any{"tcpSocket": map[string]any{"port": port}}
	case 2:
		return map[string]any{"grpc": map[string]any{"port": 9090}}
	}
	return map[string]any{"exec": map[string]any{"command": []any{"true"}}}
}

func genResources(c *chooser) map[string]any {
	quantities := func() any {
		if c.chance(10) {
			return map[string]any{}
		}
		q := map[string]any{}
		for _, r := range []string{"cpu", "memory", "ephemeral-storage"} {
			if c.chance(60) {
				q[r] = pick[any](c, "100m", "1", "256Mi", 2, "0")
			}
		}
		return c.orNull(q)
	}
	resources := map[string]any{}
	if c.chance(70) {
		resources["requests"] = quantities()
	}
	if c.chance(70) {
		resources["limits"] = quantities()
	}
	return resources
}

func genSecurityContext(c *chooser, pod bool) map[string]any {
	sc := map[string]any{}
	fields := []string{"runAsNonRoot", "runAsUser", "seccompProfile", "seLinuxOptions", "windowsOptions", "appArmorProfile"}
	if !pod {
		fields = append(fields, "privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "capabilities", "procMount")
	} else {
		fields = append(fields, "sysctls")
	}
	for _, f := range fields {
		if !c.chance(40) {
			continue
		}
		switch f {
		case "runAsUser":
			sc[f] = c.orNull(pick[any](c, 0, 1000, 65532))
		case "seccompProfile":
			sc[f] = map[string]any{"type": pick(c, genSeccomp...)}
		case "appArmorProfile":
			sc[f] = map[string]any{"type": pick(c, "RuntimeDefault", "Unconfined", "Localhost")}
		case "seLinuxOptions":
			sc[f] = map[string]any{"type": pick(c, "container_t", "spc_t", ""), "user": c.orNull(pick(c, "", "root"))}
		case "windowsOptions":
			sc[f] = map[string]any{"hostProcess": c.chance(50)}
		case "procMount":
			sc[f] = pick(c, "Default", "Unmasked")
		case "capabilities":
			caps := map[string]any{}
			if c.chance(70) {
				caps["drop"] = []any{pick(c, genCaps...)}
			}
			if c.chance(40) {
				caps["add"] = []any{pick(c, genCaps...), pick(c, genCaps...)}
			}
			sc[f] = caps
		case "sysctls":
			sysctls := make([]any, 1+c.intn(3))
			for i := range sysctls {
				sysctls[i] = map[string]any{"name": pick(c, genSysctls...), "value": "1"}
			}
			sc[f] = sysctls
		default:
			sc[f] = c.orNull(c.chance(60))
		}
	}
	return sc
}

// differentialEngines are the two evaluators under the default config and a full one.
type differentialEngines struct {
	compiled, topdown [2]*Engine
}

var (
	differentialOnce sync.Once
	differential     differentialEngines
	differentialErr  error
)

func enginesForDifferential(t testing.TB) differentialEngines {
	t.Helper()
	differentialOnce.Do(func() {
		for i, config := range []string{"", filepath.Join("testdata", "config", "full.yaml")} {
			for _, e := range []struct {
				evaluator Evaluator
				into      *[2]*Engine
			}{{Compiled, &differential.compiled}, {Topdown, &differential.topdown}} {
				engine, err := New(context.Background(), Options{ConfigFile: config, Evaluator: e.evaluator, DecisionCache: true})
				if err != nil {
					differentialErr = err
					return
				}
				e.into[i] = engine
			}
		}
	})
	if differentialErr != nil {
		t.Fatal(differentialErr)
	}
	return differential
}

// compareEvaluators evaluates one generated object on both evaluators and fails the test
// unless they give identical violations and patches (or both fail). It then does the same for
// a replica of the object, alike but for the values the API server gives each Pod a
// controller creates (name, uid, creation time) and the version it is stored at and the node
// it runs on (which the audit sees), which the compiled evaluator answers from its
// decision cache when the first evaluation read none of them: the reused verdict must be the
// replica's own. It reports whether the object was judged at all (normalisation may refuse
// it, the same for both).
func compareEvaluators(t *testing.T, engines differentialEngines, c *chooser) (judged, failed bool) {
	t.Helper()
	obj := genObject(c)
	config := c.intn(2)
	operation := pick(c, "CREATE", "UPDATE")
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	judged, failed = judgeOnBoth(t, engines, raw, config, operation)
	if !judged || failed {
		return judged, failed
	}
	meta, ok := obj["metadata"].(map[string]any)
	if !ok {
		return judged, failed
	}
	meta["name"], meta["uid"], meta["creationTimestamp"] = "replica-x7k2p", "0f3c2a91-5d7e-4c8b-9a61-2b4e8f0d3c17", "2026-12-07T10:00:00Z"
	meta["resourceVersion"] = "48213"
	if spec := podSpecIn(obj); spec != nil {
		spec["nodeName"] = "node-replica-7"
	}
	if raw, err = json.Marshal(obj); err != nil {
		t.Fatal(err)
	}
	judgeOnBoth(t, engines, raw, config, operation)
	return judged, failed
}

// podSpecIn is the pod spec of a generated object: its spec, or its template's.
func podSpecIn(obj map[string]any) map[string]any {
	spec, _ := obj["spec"].(map[string]any)
	if job, ok := spec["jobTemplate"].(map[string]any); ok {
		spec, _ = job["spec"].(map[string]any)
	}
	if template, ok := spec["template"].(map[string]any); ok {
		spec, _ = template["spec"].(map[string]any)
	}
	return spec
}

// judgeOnBoth judges raw on both evaluators under config and fails the test unless they agree.
func judgeOnBoth(t *testing.T, engines differentialEngines, raw []byte, config int, operation string) (judged, failed bool) {
	t.Helper()
	labels := map[string]string{"team": "payments"}
	results := [2]*Result{}
	errs := [2]error{}
	for i, engine := range []*Engine{engines.compiled[config], engines.topdown[config]} {
		decoded, err := normalize.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := normalize.NewInputs(decoded.Copy(), operation, kinds.BuiltinTable()); err != nil {
			return false, false
		}
		verdict, err := engine.Judge(context.Background(), decoded, Context{
			Operation: operation, Namespace: "shop", Phases: Validate | Mutate,
			NamespaceLabels: func() map[string]string { return labels },
		})
		if err == nil {
			results[i] = &verdict.Result
		}
		errs[i] = err
	}
	switch {
	case errs[0] != nil && errs[1] != nil:
		return true, true
	case errs[0] != nil || errs[1] != nil:
		t.Fatalf("config %d, %s of %s:\ncompiled: %v\n topdown: %v", config, operation, raw, errs[0], errs[1])
	case !reflect.DeepEqual(results[0], results[1]):
		t.Fatalf("config %d, %s of %s: the evaluators disagree\ncompiled: %+v\n topdown: %+v", config, operation, raw, results[0], results[1])
	}
	return true, false
}

// TestEvaluatorsAgreeOnRandomObjects is the fixed-seed run of FuzzEvaluatorsAgree: a few
// thousand generated objects of every kind, each judged by the whole library on both
// evaluators. Under the race detector, which makes it eight times slower and finds nothing
// more in a comparison of results, it judges the first 250; `make conformance` runs all 2,000
// without it.
func TestEvaluatorsAgreeOnRandomObjects(t *testing.T) {
	engines := enginesForDifferential(t)
	objects := 2000
	if testing.Short() || raceDetector {
		objects = 250
	}
	judged, failed := 0, 0
	kinds := map[string]int{}
	for i := range objects {
		kinds[fmt.Sprint(genObject(newChooserSeeded(uint64(i)))["kind"])]++
		ok, bothFailed := compareEvaluators(t, engines, newChooserSeeded(uint64(i)))
		if ok {
			judged++
		}
		if bothFailed {
			failed++
		}
	}
	if failed > objects/10 {
		t.Errorf("%d of %d objects failed on both evaluators; the comparison is mostly of errors", failed, objects)
	}
	if judged < objects*8/10 {
		t.Errorf("only %d of %d objects were judged; the generator makes too many that normalisation refuses", judged, objects)
	}
	if len(kinds) != 8 {
		t.Errorf("kinds generated: %v, want all eight", kinds)
	}
	var reused int64
	for _, e := range engines.compiled {
		hits, _ := e.DecisionCacheStats()
		reused += hits
	}
	if reused == 0 {
		t.Error("the compiled evaluator reused no verdict: the replicas never exercised its decision cache")
	}
	t.Logf("%d of %d generated objects judged identically by both evaluators (%d failing on both), %d verdicts of replicas reused from the decision cache; kinds %v", judged, objects, failed, reused, kinds)
}

// newChooserSeeded is a chooser driven by a fixed seed alone.
func newChooserSeeded(seed uint64) *chooser {
	return &chooser{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

// FuzzEvaluatorsAgree drives the object generator with the fuzzer's bytes and requires the
// compiled evaluator and OPA's topdown to judge every object identically.
func FuzzEvaluatorsAgree(f *testing.F) {
	for _, seed := range []string{"", "\x00", "\x01\x02\x03", strings.Repeat("\xff", 64), "pod-with-everything"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareEvaluators(t, enginesForDifferential(t), newChooser(data))
	})
}
