package policies

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/podpolicy/podpolicy/policies/library"
	"github.com/podpolicy/podpolicy/test/fixture"
)

// breakers break one rule each on the compliant pod spec of fixture.PodSpec; want maps
// the rules that must fire to the spec-relative paths they must report.
var breakers = []struct {
	name       string
	breakIt    func(spec map[string]any)
	want       map[string][]string
	jobsExempt bool
}{
	{"no containers", func(s map[string]any) { s["containers"] = []any{} },
		map[string][]string{"containers-required": {"containers"}}, false},
	{"two containers on one port", func(s map[string]any) {
		fixture.At(s, "containers", 1, "ports", 0)["containerPort"] = 8080
	}, map[string][]string{"container-ports-unique": {"containers[1].ports[0].containerPort"}}, false},
	{"restartable init container on an app port", func(s map[string]any) {
		fixture.At(s, "initContainers", 0)["restartPolicy"] = "Always"
	}, map[string][]string{"container-ports-unique": {"initContainers[0].ports[0].containerPort"}}, false},
	{"no cpu request nor limit", func(s map[string]any) {
		delete(fixture.At(s, "containers", 0, "resources", "requests"), "cpu")
		delete(fixture.At(s, "containers", 0, "resources", "limits"), "cpu")
	}, map[string][]string{
		"resources-requests-required": {"containers[0].resources.requests.cpu"},
		"resources-limits-required":   {"containers[0].resources.limits.cpu"},
	}, false},
	{"no memory limit", func(s map[string]any) {
		delete(fixture.At(s, "initContainers", 0, "resources", "limits"), "memory")
		fixture.At(s, "initContainers", 0, "resources")["requests"] = map[string]any{"memory": "64Mi"}
	}, map[string][]string{"resources-limits-required": {"initContainers[0].resources.limits.memory"}}, false},
	{"no liveness probe", func(s map[string]any) { delete(fixture.At(s, "containers", 0), "livenessProbe") },
		map[string][]string{"probes-required": {"containers[0].livenessProbe"}}, true},
	{"probe names an undeclared port", func(s map[string]any) {
		fixture.At(s, "containers", 0)["readinessProbe"] = map[string]any{"httpGet": map[string]any{"port": "admin"}}
	}, map[string][]string{"probe-port-declared": {"containers[0].readinessProbe.httpGet.port"}}, false},
	{"privileged", func(s map[string]any) { fixture.At(s, "containers", 1, "securityContext")["privileged"] = true },
		map[string][]string{"security-privileged": {"containers[1].securityContext.privileged"}}, false},
	{"privilege escalation allowed", func(s map[string]any) {
		delete(fixture.At(s, "initContainers", 0, "securityContext"), "allowPrivilegeEscalation")
	}, map[string][]string{"security-privilege-escalation": {"initContainers[0].securityContext.allowPrivilegeEscalation"}}, false},
	{"pod runs as root", func(s map[string]any) { fixture.At(s, "securityContext")["runAsUser"] = 0 },
		map[string][]string{"security-run-as-non-root": {"securityContext.runAsUser"}}, false},
	{"pod runs as root under containers that override it", func(s map[string]any) {
		fixture.At(s, "securityContext")["runAsUser"] = 0
		for _, c := range []map[string]any{fixture.At(s, "containers", 0), fixture.At(s, "containers", 1), fixture.At(s, "initContainers", 0)} {
			fixture.At(c, "securityContext")["runAsUser"] = 10001
		}
	}, map[string][]string{"security-run-as-non-root": {"securityContext.runAsUser"}}, false},
	{"container turns runAsNonRoot off", func(s map[string]any) {
		fixture.At(s, "containers", 1, "securityContext")["runAsNonRoot"] = false
	}, map[string][]string{"security-run-as-non-root": {"containers[1].securityContext.runAsNonRoot"}}, false},
	{"writable root filesystem", func(s map[string]any) {
		fixture.At(s, "containers", 1, "securityContext")["readOnlyRootFilesystem"] = false
	}, map[string][]string{"security-read-only-root-filesystem": {"containers[1].securityContext.readOnlyRootFilesystem"}}, false},
	{"capability added", func(s map[string]any) {
		fixture.At(s, "containers", 0, "securityContext", "capabilities")["add"] = []any{"NET_BIND_SERVICE", "SYS_ADMIN"}
	}, map[string][]string{"security-capabilities": {"containers[0].securityContext.capabilities.add[1]"}}, false},
	{"pod seccomp unconfined", func(s map[string]any) { fixture.At(s, "securityContext", "seccompProfile")["type"] = "Unconfined" },
		map[string][]string{"security-seccomp": {"securityContext.seccompProfile.type"}}, false},
	{"no seccomp profile anywhere", func(s map[string]any) { delete(fixture.At(s, "securityContext"), "seccompProfile") },
		map[string][]string{"security-seccomp": {
			"containers[0].securityContext.seccompProfile.type", "containers[1].securityContext.seccompProfile.type", "initContainers[0].securityContext.seccompProfile.type",
		}}, false},
	{"host PID", func(s map[string]any) { s["hostPID"] = true },
		map[string][]string{"host-namespaces": {"hostPID"}}, false},
	{"host port", func(s map[string]any) { fixture.At(s, "containers", 1, "ports", 0)["hostPort"] = 9102 },
		map[string][]string{"host-ports": {"containers[1].ports[0].hostPort"}}, false},
	{"unsafe sysctl", func(s map[string]any) {
		fixture.At(s, "securityContext")["sysctls"] = []any{map[string]any{"name": "net.core.somaxconn", "value": "1024"}}
	}, map[string][]string{"sysctls-safe": {"securityContext.sysctls[0].name"}}, false},
	{"hostPath volume", func(s map[string]any) {
		s["volumes"] = []any{map[string]any{"name": "etc", "hostPath": map[string]any{"path": "/etc"}}}
	}, map[string][]string{"host-path-volumes": {"volumes[0].hostPath"}}, false},
	{"registry port is not a tag", func(s map[string]any) { fixture.At(s, "containers", 1)["image"] = "registry:5000/app" },
		map[string][]string{"image-tag-pinned": {"containers[1].image"}}, false},
	{"shared process namespace", func(s map[string]any) { s["shareProcessNamespace"] = true },
		map[string][]string{"share-process-namespace": {"shareProcessNamespace"}}, false},
	{"AppArmor unconfined", func(s map[string]any) {
		fixture.At(s, "containers", 1, "securityContext")["appArmorProfile"] = map[string]any{"type": "Unconfined"}
	}, map[string][]string{"security-apparmor": {"containers[1].securityContext.appArmorProfile.type"}}, false},
	{"/proc unmasked", func(s map[string]any) {
		fixture.At(s, "initContainers", 0, "securityContext")["procMount"] = "Unmasked"
	},
		map[string][]string{"security-proc-mount": {"initContainers[0].securityContext.procMount"}}, false},
	{"SELinux type and user", func(s map[string]any) {
		fixture.At(s, "securityContext")["seLinuxOptions"] = map[string]any{"type": "spc_t", "user": "system_u"}
	}, map[string][]string{"security-selinux": {"securityContext.seLinuxOptions.type", "securityContext.seLinuxOptions.user"}}, false},
	{"network volume", func(s map[string]any) {
		s["volumes"] = append(s["volumes"].([]any), map[string]any{"name": "shared", "nfs": map[string]any{"server": "10.0.0.2", "path": "/"}})
	}, map[string][]string{"volume-types": {"volumes[1].nfs"}}, false},
	{"Windows HostProcess container", func(s map[string]any) {
		fixture.At(s, "containers", 0, "securityContext")["windowsOptions"] = map[string]any{"hostProcess": true}
	}, map[string][]string{"host-process": {"containers[0].securityContext.windowsOptions.hostProcess"}}, false},
	{"probe of another host", func(s map[string]any) {
		fixture.At(s, "containers", 1, "readinessProbe", "tcpSocket")["host"] = "10.0.0.1"
	},
		map[string][]string{"host-probes": {"containers[1].readinessProbe.tcpSocket.host"}}, false},
}

func TestCompliantSpecPassesForEveryKind(t *testing.T) {
	e := newTestEngine(t, Options{})
	spec := fixture.PodSpec(t)
	for i, k := range fixture.Kinds {
		t.Run(k.Kind, func(t *testing.T) {
			for _, v := range evaluate(t, e, fixture.Object(i, spec), "shop").Violations {
				t.Errorf("unexpected violation: %s", v.String())
			}
		})
	}
}

// TestWindowsPodPassesForEveryKind: the API server forbids the Linux-only securityContext
// fields on a Windows Pod, so the rules that require one of them must not deny it.
func TestWindowsPodPassesForEveryKind(t *testing.T) {
	e := newTestEngine(t, Options{})
	spec := fixture.WindowsPodSpec(t)
	for i, k := range fixture.Kinds {
		t.Run(k.Kind, func(t *testing.T) {
			for _, v := range evaluate(t, e, fixture.Object(i, spec), "shop").Violations {
				t.Errorf("unexpected violation: %s", v.String())
			}
		})
	}
}

// TestAnnotationViolationsPointAtThePodMetadata: a violation of an annotation names the pod's
// metadata in the object the user wrote, for a Pod and for a workload's template; and as the
// API server copies a deprecated AppArmor annotation into the container's appArmorProfile when
// it stores a Pod, the field is judged too, for Pods and the templates they are made of.
func TestAnnotationViolationsPointAtThePodMetadata(t *testing.T) {
	e := newTestEngine(t, Options{})
	spec := fixture.PodSpec(t)
	for i, k := range fixture.Kinds {
		t.Run(k.Kind, func(t *testing.T) {
			obj := fixture.Object(i, spec)
			holder := obj // the object that holds the pod's metadata and spec
			if prefix := strings.TrimSuffix(k.SpecPath, ".spec"); prefix != "spec" {
				for _, key := range strings.Split(prefix, ".") {
					holder = holder[key].(map[string]any)
				}
			}
			meta := holder["metadata"].(map[string]any)
			meta["annotations"] = map[string]any{"container.apparmor.security.beta.kubernetes.io/web": "unconfined"}
			want := []string{
				"security-apparmor web " + strings.TrimSuffix(k.SpecPath, "spec") + "metadata.annotations[container.apparmor.security.beta.kubernetes.io/web]",
				"security-apparmor web " + k.SpecPath + ".containers[0].securityContext.appArmorProfile.type",
			}
			var got []string
			for _, v := range evaluate(t, e, obj, "shop").Violations {
				got = append(got, v.Rule+" "+v.Container+" "+v.Path)
			}
			if !slices.Equal(got, want) {
				t.Errorf("violations %q, want %q", got, want)
			}
		})
	}
}

func TestEveryRuleFiresForEveryKind(t *testing.T) {
	e := newTestEngine(t, Options{})
	spec := fixture.PodSpec(t)
	fired := map[string]bool{}
	for _, b := range breakers {
		for i, k := range fixture.Kinds {
			t.Run(b.name+"/"+k.Kind, func(t *testing.T) {
				broken := fixture.DeepCopy(spec).(map[string]any)
				b.breakIt(broken)
				result := evaluate(t, e, fixture.Object(i, broken), "shop")
				got := map[string][]string{}
				for _, v := range result.Violations {
					got[v.Rule] = append(got[v.Rule], v.Path)
					if v.Kind != k.Kind || v.Name != "web" {
						t.Errorf("violation names %s %q, want %s web", v.Kind, v.Name, k.Kind)
					}
				}
				want := map[string][]string{}
				if !(b.jobsExempt && (k.Kind == "Job" || k.Kind == "CronJob")) {
					for rule, paths := range b.want {
						for _, p := range paths {
							want[rule] = append(want[rule], k.SpecPath+"."+p)
						}
						fired[rule] = true
					}
				}
				if !equalPaths(got, want) {
					t.Errorf("violations\n got: %v\nwant: %v", got, want)
				}
			})
		}
	}
	for _, rule := range e.Rules() {
		if rule.Type == library.ValidationRule && !fired[rule.ID] {
			t.Errorf("no breaker makes rule %s fire", rule.ID)
		}
	}
}

func equalPaths(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for rule, pa := range a {
		pb := slices.Clone(b[rule])
		pa = slices.Clone(pa)
		sort.Strings(pa)
		sort.Strings(pb)
		if !slices.Equal(pa, pb) {
			return false
		}
	}
	return true
}

// TestLevelsJudgeAsPodSecurityAdmission: adding CHOWN without dropping ALL, with no seccomp
// profile and privilege escalation allowed, passes baseline and breaks restricted.
func TestLevelsJudgeAsPodSecurityAdmission(t *testing.T) {
	spec := fixture.PodSpec(t)
	delete(fixture.At(spec, "securityContext"), "seccompProfile")
	sc := fixture.At(spec, "containers", 0, "securityContext")
	sc["capabilities"] = map[string]any{"add": []any{"CHOWN"}}
	delete(sc, "allowPrivilegeEscalation")
	fixture.At(spec, "securityContext")["runAsNonRoot"] = false
	psa := map[string]bool{"security-capabilities": true, "security-seccomp": true, "security-privilege-escalation": true, "security-run-as-non-root": true}
	for level, want := range map[string][]string{
		"baseline":   nil,
		"restricted": {"security-capabilities", "security-capabilities", "security-privilege-escalation", "security-run-as-non-root", "security-seccomp", "security-seccomp", "security-seccomp"},
	} {
		var got []string
		for _, v := range evaluate(t, presetEngine(t, "podSecurity: "+level+"\n"), fixture.Object(0, spec), "shop").Violations {
			if psa[v.Rule] {
				got = append(got, v.Rule)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: violations of %v, want %v", level, got, want)
		}
	}
}

func presetEngine(t *testing.T, config string) *Engine {
	t.Helper()
	path := t.TempDir() + "/config.yaml"
	writeFile(t, path, config)
	return newTestEngine(t, Options{ConfigFile: path})
}
