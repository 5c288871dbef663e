package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// The check phase's input: workload objects shaped like `helm template` output of a platform's
// charts (a Source comment, chart labels, env, volumes, probes), mixed as such output is. One
// object in four breaks rules (no limits, a latest tag, no probes); one in eight is a kind
// podpolicy skips (Service, ConfigMap).
const (
	deniedEvery  = 4
	skippedEvery = 8
)

// workload returns the i-th object of the input and whether podpolicy denies it.
func workload(i int) (map[string]any, bool) {
	name := fmt.Sprintf("svc-%05d", i)
	labels := map[string]any{
		"app.kubernetes.io/name": name, "app.kubernetes.io/instance": "platform",
		"app.kubernetes.io/version": "1.4.2", "app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": "platform-1.4.2",
	}
	meta := map[string]any{"name": name, "namespace": fmt.Sprintf("team-%02d", i%20), "labels": labels}
	if i%skippedEvery == skippedEvery-1 {
		if i%2 == 0 {
			return map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": map[string]any{
				"selector": map[string]any{"app.kubernetes.io/name": name},
				"ports":    []any{map[string]any{"name": "http", "port": 80, "targetPort": "http"}}}}, false
		}
		return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": map[string]any{
			"config.yaml": "log:\n  level: info\nlisten: :8080\n", "feature-flags": "a=true,b=false"}}, false
	}
	denied := i%deniedEvery == 1
	container := map[string]any{
		"name": "app", "image": fmt.Sprintf("registry.example.com/platform/%s:1.4.%d", name, i%10),
		"imagePullPolicy": "IfNotPresent",
		"args":            []any{"--listen=:8080", "--metrics=:9090", "--log-format=json"},
		"ports":           []any{map[string]any{"name": "http", "containerPort": 8080}, map[string]any{"name": "metrics", "containerPort": 9090}},
		"env": []any{
			map[string]any{"name": "POD_NAME", "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.name"}}},
			map[string]any{"name": "POD_NAMESPACE", "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.namespace"}}},
			map[string]any{"name": "GOMAXPROCS", "value": "2"},
			map[string]any{"name": "DATABASE_URL", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": name + "-db", "key": "url"}}},
		},
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "100m", "memory": "128Mi"},
			"limits":   map[string]any{"cpu": "500m", "memory": "256Mi"},
		},
		"livenessProbe":  map[string]any{"httpGet": map[string]any{"path": "/healthz", "port": "http"}, "periodSeconds": 10},
		"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/ready", "port": "http"}, "periodSeconds": 5},
		"securityContext": map[string]any{
			"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
			"capabilities": map[string]any{"drop": []any{"ALL"}}, "seccompProfile": map[string]any{"type": "RuntimeDefault"},
		},
		"volumeMounts": []any{map[string]any{"name": "tmp", "mountPath": "/tmp"}, map[string]any{"name": "config", "mountPath": "/etc/app"}},
	}
	if denied {
		container["image"] = fmt.Sprintf("registry.example.com/platform/%s:latest", name)
		delete(container, "livenessProbe")
		delete(container["resources"].(map[string]any), "limits")
	}
	podSpec := map[string]any{
		"serviceAccountName": name,
		"securityContext":    map[string]any{"runAsNonRoot": true, "runAsUser": 10001, "fsGroup": 10001, "seccompProfile": map[string]any{"type": "RuntimeDefault"}},
		"containers":         []any{container},
		"volumes":            []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}, map[string]any{"name": "config", "configMap": map[string]any{"name": name}}},
	}
	template := map[string]any{
		"metadata": map[string]any{"labels": labels, "annotations": map[string]any{"checksum/config": fmt.Sprintf("%064x", i)}},
		"spec":     podSpec,
	}
	selector := map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": name, "app.kubernetes.io/instance": "platform"}}
	switch i % 6 {
	case 0, 1, 2:
		return map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
			"spec": map[string]any{"replicas": 2, "selector": selector, "template": template}}, denied
	case 3:
		return map[string]any{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta,
			"spec": map[string]any{"replicas": 3, "serviceName": name, "selector": selector, "template": template}}, denied
	case 4:
		podSpec["restartPolicy"] = "OnFailure"
		return map[string]any{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
			"spec": map[string]any{"schedule": "0 3 * * *", "jobTemplate": map[string]any{"spec": map[string]any{"template": template}}}}, denied
	default:
		pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": podSpec}
		return pod, denied
	}
}

// writeWorkloads writes objects [from, to) to w as YAML documents, or as JSON documents
// (one per line, separated by ---).
func writeWorkloads(w io.Writer, from, to int, asJSON bool) (denied int, err error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	for i := from; i < to; i++ {
		obj, deny := workload(i)
		if deny {
			denied++
		}
		var data []byte
		if asJSON {
			data, err = json.Marshal(obj)
		} else {
			data, err = yaml.Marshal(obj)
		}
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(bw, "---\n# Source: platform/templates/%s.yaml\n", obj["metadata"].(map[string]any)["name"])
		bw.Write(data)
		if asJSON {
			bw.WriteByte('\n')
		}
	}
	return denied, bw.Flush()
}

// checkInput is one input of the check phase.
type checkInput struct {
	Name    string
	Paths   []string
	Objects int
	Denied  int
	Bytes   int64
}

// writeCheckInput writes n objects into dir, in one file or in files of 100 objects.
func writeCheckInput(dir, name string, n int, manyFiles, asJSON bool) (checkInput, error) {
	in := checkInput{Name: name, Objects: n}
	ext := ".yaml"
	if asJSON {
		ext = ".json"
	}
	per := n
	if manyFiles {
		per = 100
	}
	if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
		return in, err
	}
	for from := 0; from < n; from += per {
		path := filepath.Join(dir, name, fmt.Sprintf("part-%04d%s", from/per, ext))
		f, err := os.Create(path)
		if err != nil {
			return in, err
		}
		d, err := writeWorkloads(f, from, min(n, from+per), asJSON)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return in, err
		}
		info, _ := os.Stat(path)
		in.Bytes += info.Size()
		in.Denied += d
		in.Paths = append(in.Paths, path)
	}
	if manyFiles {
		in.Paths = []string{filepath.Join(dir, name)}
	}
	return in, nil
}
