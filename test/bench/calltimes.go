package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

// readCallTimes reads the API server's totals of its admission webhook calls and, with
// podpolicy, podpolicy's totals of answering them.
func readCallTimes(ctx context.Context, cp *harness.ControlPlane, w *harness.Webhook, podpolicy bool) (callTimes, error) {
	var t callTimes
	text, err := cp.Client.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return t, fmt.Errorf("read the API server's metrics: %w", err)
	}
	t.apiServer = sampleSum(string(text), "apiserver_admission_webhook_admission_duration_seconds_sum")
	t.apiServerCalls = sampleSum(string(text), "apiserver_admission_webhook_admission_duration_seconds_count")
	if !podpolicy {
		return t, nil
	}
	resp, err := http.Get(w.MetricsURL())
	if err != nil {
		return t, fmt.Errorf("read podpolicy's metrics: %w", err)
	}
	defer resp.Body.Close()
	own, err := io.ReadAll(resp.Body)
	if err != nil {
		return t, err
	}
	t.own = sampleSum(string(own), "podpolicy_admission_duration_seconds_sum")
	t.ownCalls = sampleSum(string(own), "podpolicy_admission_duration_seconds_count")
	return t, nil
}

// add adds what happened between before and after.
func (c *callTimes) add(after, before callTimes) {
	c.apiServer += after.apiServer - before.apiServer
	c.apiServerCalls += after.apiServerCalls - before.apiServerCalls
	c.own += after.own - before.own
	c.ownCalls += after.ownCalls - before.ownCalls
}

// sampleSum sums the samples of a metric in Prometheus' text format, over all its labels.
func sampleSum(text, name string) float64 {
	sum := 0.0
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		fields := strings.Fields(rest[strings.LastIndexByte(rest, '}')+1:])
		if len(fields) == 0 {
			continue
		}
		if v, err := strconv.ParseFloat(fields[0], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// portOf is the port of a URL, as /proc/net/tcp writes it (four hex digits).
func portOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%04X", port)
}

// establishedTo counts the established TCP connections whose local port is port (hex): the
// connections the API server holds open to a webhook on this machine.
func establishedTo(port string) int {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil || port == "" {
		return 0
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		// local_address is 0100007F:PORT; state 01 is ESTABLISHED.
		if len(f) > 3 && strings.HasSuffix(f[1], ":"+port) && f[3] == "01" {
			n++
		}
	}
	return n
}

// perCall is a total of seconds over calls, as a duration per call.
func perCall(seconds, calls float64) time.Duration {
	if calls == 0 {
		return 0
	}
	return time.Duration(seconds / calls * float64(time.Second))
}
