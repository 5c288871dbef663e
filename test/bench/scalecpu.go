package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/podpolicy/podpolicy/test/harness"
)

// cpuShares is how many cores each process of the bench's cluster used while an audit ran and
// while none did, during the load phase: what a request shared the machine with.
type cpuShares struct {
	names           []string
	during, quiet   map[string]float64
	duringS, quietS float64
}

// cpuSample is each watched process's CPU seconds at one moment.
type cpuSample struct {
	at   time.Time
	secs map[string]float64
}

// clusterCommands names the processes of the cluster by their command as /proc shows it.
var clusterCommands = map[string]string{
	"kube-apiserver": "kube-apiserver", "etcd": "etcd", "kube-controller": "kube-controller-manager", "podpolicy": "podpolicy serve",
	// The bench's own executable, run again as the null webhook server of section 5's probe.
	"bench": "null webhook server (probe)",
}

// clusterProcesses are the bench's own descendants that make up the cluster and podpolicy,
// by name, and the bench itself (the load generator).
func clusterProcesses() map[string]int {
	out := map[string]int{"bench (load generator)": os.Getpid()}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil || !descendsFrom(pid, os.Getpid()) {
			continue
		}
		comm, err := os.ReadFile(d + "/comm")
		if err != nil {
			continue
		}
		// The kernel keeps the first 15 bytes of a command's name.
		if name, ok := clusterCommands[strings.TrimSpace(string(comm))]; ok {
			out[name] = pid
		}
	}
	return out
}

// descendsFrom reports whether pid is a descendant of ancestor.
func descendsFrom(pid, ancestor int) bool {
	for range 32 {
		switch pid = harness.ParentPID(pid); {
		case pid == ancestor:
			return true
		case pid <= 1:
			return false
		}
	}
	return false
}

// sampleCPU samples the cluster's processes every 50 ms until stop is closed.
func sampleCPU(stop <-chan struct{}) <-chan []cpuSample {
	out := make(chan []cpuSample, 1)
	go func() {
		pids := clusterProcesses()
		var samples []cpuSample
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			s := cpuSample{at: time.Now(), secs: map[string]float64{}}
			for name, pid := range pids {
				s.secs[name] = harness.CPUSeconds(pid)
			}
			samples = append(samples, s)
			select {
			case <-stop:
				out <- samples
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// sharesOf splits the samples' CPU between the audits' windows and the rest.
func sharesOf(samples []cpuSample, windows []auditWindow) cpuShares {
	c := cpuShares{during: map[string]float64{}, quiet: map[string]float64{}}
	for i := 1; i < len(samples); i++ {
		dt := samples[i].at.Sub(samples[i-1].at).Seconds()
		into, span := c.quiet, &c.quietS
		if duringAny(samples[i-1].at, windows) {
			into, span = c.during, &c.duringS
		}
		*span += dt
		for name, secs := range samples[i].secs {
			into[name] += secs - samples[i-1].secs[name]
		}
	}
	for name := range samples[0].secs {
		c.names = append(c.names, name)
	}
	slices.Sort(c.names)
	return c
}

// write prints a row per process and one for the machine, in cores.
func (c cpuShares) write(w io.Writer) {
	if c.duringS == 0 || c.quietS == 0 {
		return
	}
	var during, quiet float64
	for _, name := range c.names {
		d, q := c.during[name]/c.duringS, c.quiet[name]/c.quietS
		during, quiet = during+d, quiet+q
		fmt.Fprintf(w, "| CPU of %s, an audit running / none | %.2f / %.2f cores | | |\n", name, d, q)
	}
	fmt.Fprintf(w, "| CPU of all of them, an audit running / none | %.2f / %.2f of 2 cores | | |\n", during, quiet)
}
