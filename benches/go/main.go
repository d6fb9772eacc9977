// Command peersgo is the Go peer of `cargo bench --bench peers`.
//
// It runs the same benchmarks as the Rust suite with goroutines and
// channels, with the same sizes (flags; the Rust side passes its own) and
// the same sampling (calibrate n to a target time, then take samples and
// report median, min and max), and prints one JSON line per result on
// stdout. Progress goes to stderr. Memory samples run in fresh child
// processes (this binary with -mem-child N).
//
//	go run . -quick
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// config holds the sizes of one run.
type config struct {
	samples    int
	target     time.Duration
	ringProcs  int
	ringLaps   uint64
	memProcs   int
	memSamples int
}

// stats summarises the samples of one measurement.
type stats struct {
	median, min, max float64
}

func main() {
	quick := flag.Bool("quick", false, "small sizes (defaults for the flags below)")
	samples := flag.Int("samples", 0, "samples per measurement")
	targetMs := flag.Int("target-ms", 0, "wall time of one calibrated sample, ms")
	ringProcs := flag.Int("ring-procs", 0, "processes in the token ring")
	ringLaps := flag.Uint64("ring-laps", 0, "laps of the ring per sample")
	memProcs := flag.Int("mem-procs", 0, "parked goroutines in the memory benchmark")
	memSamples := flag.Int("mem-samples", 0, "child processes per memory measurement")
	benches := flag.String("benches", "commstime,pingpong,ring,buffered,memory", "families to run")
	memChild := flag.Int("mem-child", 0, "internal: be a memory child parking N goroutines")
	flag.Parse()

	if *memChild > 0 {
		fmt.Printf("%.1f\n", parkAll(*memChild))
		os.Exit(0)
	}
	cfg := defaults(*quick)
	override(&cfg.samples, *samples)
	if *targetMs > 0 {
		cfg.target = time.Duration(*targetMs) * time.Millisecond
	}
	override(&cfg.ringProcs, *ringProcs)
	if *ringLaps > 0 {
		cfg.ringLaps = *ringLaps
	}
	override(&cfg.memProcs, *memProcs)
	override(&cfg.memSamples, *memSamples)
	for _, b := range strings.Split(*benches, ",") {
		runFamily(cfg, b)
	}
}

// defaults are the sizes of the Rust suite's quick and full runs.
func defaults(quick bool) config {
	if quick {
		return config{5, 25 * time.Millisecond, 10000, 10, 100000, 3}
	}
	return config{11, 200 * time.Millisecond, 10000, 100, 1000000, 5}
}

// override sets *dst to v when v was given (positive).
func override(dst *int, v int) {
	if v > 0 {
		*dst = v
	}
}

// runFamily runs one benchmark family and prints its rows.
func runFamily(cfg config, name string) {
	switch name {
	case "commstime":
		report("commstime", "seq-delta", "ns/loop", measure(cfg, 1, func(n uint64) time.Duration { return commstime(false, n) }))
		report("commstime", "par-delta", "ns/loop", measure(cfg, 1, func(n uint64) time.Duration { return commstime(true, n) }))
	case "pingpong":
		report("pingpong", "rendezvous", "ns/roundtrip", measure(cfg, 1, pingpong))
	case "ring":
		report("ring", fmt.Sprintf("%dprocs", cfg.ringProcs), "ns/hop", ringBench(cfg))
	case "buffered":
		report("buffered", "spsc", "ns/msg", measure(cfg, 1, func(n uint64) time.Duration { return stream(1, n) }))
		report("buffered", "mpsc-4", "ns/msg", measure(cfg, 4, func(n uint64) time.Duration { return stream(4, n) }))
	case "memory":
		report("memory", "parked-recv", "bytes/process", memory(cfg))
	case "":
	default:
		fmt.Fprintf(os.Stderr, "go: unknown family %q\n", name)
	}
}

// report prints a row as JSON on stdout and as progress on stderr.
func report(bench, variant, unit string, s stats) {
	fmt.Printf("{\"bench\":\"%s\",\"variant\":\"%s\",\"impl\":\"go\",\"flavor\":\"go\","+
		"\"median\":%.1f,\"min\":%.1f,\"max\":%.1f,\"unit\":\"%s\"}\n",
		bench, variant, s.median, s.min, s.max, unit)
	fmt.Fprintf(os.Stderr, "  %-9s %-11s %-9s %-14s %12.1f %s\n", bench, variant, "go", "go", s.median, unit)
}

// measure calibrates n so that run(n) lasts about cfg.target, then samples.
func measure(cfg config, unitsPerIter float64, run func(uint64) time.Duration) stats {
	return sample(cfg.samples, calibrate(cfg.target, run), unitsPerIter, run)
}

// calibrate grows n until a run takes an eighth of target, then scales it.
func calibrate(target time.Duration, run func(uint64) time.Duration) uint64 {
	n := uint64(1)
	for {
		took := run(n)
		if took < 1 {
			took = 1
		}
		if took >= target/8 || n >= 1<<40 {
			scaled := float64(n) * target.Seconds() / took.Seconds()
			if scaled < 1 {
				return 1
			}
			return uint64(scaled + 0.999)
		}
		if took < target/100 {
			n *= 10
		} else {
			n *= 2
		}
	}
}

// sample times run(n) the given number of times, each as time per unit.
func sample(samples int, n uint64, unitsPerIter float64, run func(uint64) time.Duration) stats {
	per := make([]float64, samples)
	for i := range per {
		per[i] = float64(run(n).Nanoseconds()) / (float64(n) * unitsPerIter)
	}
	return summarise(per)
}

// summarise returns median, min and max.
func summarise(v []float64) stats {
	sort.Float64s(v)
	k := len(v)
	med := v[k/2]
	if k%2 == 0 {
		med = (v[k/2-1] + v[k/2]) / 2
	}
	return stats{med, v[0], v[k-1]}
}

// memory runs each sample in a fresh child process.
func memory(cfg config) stats {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	per := make([]float64, cfg.memSamples)
	for i := range per {
		out, err := exec.Command(exe, "-mem-child", strconv.Itoa(cfg.memProcs)).Output()
		if err != nil {
			panic(err)
		}
		per[i], err = strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			panic(err)
		}
	}
	return summarise(per)
}
