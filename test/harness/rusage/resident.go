package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// residentPeaks are the largest RssAnon and RssFile (KiB) seen while sampling.
type residentPeaks struct{ anon, file int64 }

// sample reads /proc/PID/status every 10 ms until done is closed. A peak shorter than the
// interval can be missed; the figures are for telling the two kinds of memory apart, while
// ru_maxrss stays the exact total.
func (p *residentPeaks) sample(pid int, done <-chan struct{}) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		p.read(path)
		select {
		case <-done:
			return
		case <-tick.C:
		}
	}
}

func (p *residentPeaks) read(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return // the process has exited, or not yet execed
	}
	lines := bufio.NewScanner(bytes.NewReader(data))
	for lines.Scan() {
		name, value, ok := bytes.Cut(lines.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		var peak *int64
		switch string(name) {
		case "RssAnon":
			peak = &p.anon
		case "RssFile":
			peak = &p.file
		default:
			continue
		}
		kib, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(value), []byte(" kB"))), 10, 64)
		if err == nil && kib > *peak {
			*peak = kib
		}
	}
}
