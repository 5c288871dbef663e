package doctor

import (
	"context"
	"fmt"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podMetrics are the metrics of the installation's ready Pods.
type podMetrics struct {
	pods []scrapedPod
	// skip says why the checks that read metrics cannot run ("" when they can).
	skip string
}

// scrapedPod is one Pod's metrics.
type scrapedPod struct {
	name    string
	started time.Time
	samples []sample
}

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// value returns the value of the metric with these labels (a subset of the sample's), and
// whether the Pod has it.
func (p scrapedPod) value(name string, labels map[string]string) (float64, bool) {
	for _, s := range p.samples {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range labels {
			if s.labels[k] != v {
				match = false
			}
		}
		if match {
			return s.value, true
		}
	}
	return 0, false
}

// metricsPort is the port of --metrics-bind-address; "" when the metrics are off.
func metricsPort(addr string) string {
	if addr == "0" || addr == "" {
		return ""
	}
	if _, port, err := net.SplitHostPort(addr); err == nil {
		return port
	}
	return ""
}

// podMetrics reads the metrics of every ready Pod of the Deployment through the API server's
// pod proxy (GET /api/v1/namespaces/NS/pods/NAME:PORT/proxy/metrics), once.
func (in *install) podMetrics(ctx context.Context) (*podMetrics, error) {
	if in.metrics != nil {
		return in.metrics, nil
	}
	m, err := in.readPodMetrics(ctx)
	if err != nil {
		in.metrics = &podMetrics{skip: "the Pods' metrics could not be read"}
		return nil, err
	}
	in.metrics = m
	return m, nil
}

func (in *install) readPodMetrics(ctx context.Context) (*podMetrics, error) {
	d := in.deployment
	if d == nil {
		return &podMetrics{skip: "there is no Deployment"}, nil
	}
	port := metricsPort(in.serve.metricsAddr)
	if port == "" {
		return &podMetrics{skip: fmt.Sprintf("podpolicy serves no metrics (--metrics-bind-address=%s)", in.serve.metricsAddr)}, nil
	}
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || d.Spec.Selector == nil {
		return &podMetrics{skip: "the Deployment has no valid selector"}, nil
	}
	pods, err := in.client.CoreV1().Pods(in.namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	if err != nil {
		return nil, fmt.Errorf("list the Pods of Deployment %s/%s: %w", in.namespace, in.fullname, err)
	}
	m := &podMetrics{}
	for i := range pods.Items {
		pod := &pods.Items[i]
		if pod.DeletionTimestamp != nil || !podReady(pod) {
			continue
		}
		resp := in.client.CoreV1().Pods(in.namespace).ProxyGet("http", pod.Name, port, "metrics", nil)
		if resp == nil {
			return nil, fmt.Errorf("read the metrics of Pod %s/%s: no response from the API server's proxy", in.namespace, pod.Name)
		}
		data, err := resp.DoRaw(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the metrics of Pod %s/%s through the API server's proxy (port %s): %w", in.namespace, pod.Name, port, err)
		}
		p := scrapedPod{name: pod.Name, samples: parseText(data)}
		if pod.Status.StartTime != nil {
			p.started = pod.Status.StartTime.Time
		}
		m.pods = append(m.pods, p)
	}
	if len(m.pods) == 0 {
		m.skip = "no Pod of the Deployment is ready"
	}
	return m, nil
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
