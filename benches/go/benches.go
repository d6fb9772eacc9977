package main

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// commstime runs prefix, delta, successor and consumer in a ring on
// unbuffered channels and times n loops at the consumer. Par-delta sends
// to both outputs at once: one output from a new goroutine, the other
// from delta itself, joined with a WaitGroup.
//
// Go has no receiver-side close, so teardown is a stop flag that prefix
// checks once per loop (one atomic load): it then closes its output
// instead of passing the value on, and the closes cascade round the ring.
func commstime(par bool, n uint64) time.Duration {
	a, b, c, d := make(chan uint64), make(chan uint64), make(chan uint64), make(chan uint64)
	var stop atomic.Bool
	go prefix(c, a, &stop)
	go delta(a, b, d, par)
	go successor(b, c)
	<-d // untimed: the ring is running
	start := time.Now()
	for i := uint64(0); i < n; i++ {
		<-d
	}
	took := time.Since(start)
	stop.Store(true)
	for range d {
	}
	return took
}

// prefix outputs 0, then copies its input until told to stop.
func prefix(in <-chan uint64, out chan<- uint64, stop *atomic.Bool) {
	out <- 0
	for x := range in {
		if stop.Load() {
			break
		}
		out <- x
	}
	close(out)
}

// delta copies each input to both outputs, successor first when sequential.
func delta(in <-chan uint64, succ, cons chan<- uint64, par bool) {
	var wg sync.WaitGroup
	for x := range in {
		if par {
			wg.Add(1)
			go func(x uint64) {
				succ <- x
				wg.Done()
			}(x)
			cons <- x
			wg.Wait()
		} else {
			succ <- x
			cons <- x
		}
	}
	close(succ)
	close(cons)
}

// successor outputs each input plus one.
func successor(in <-chan uint64, out chan<- uint64) {
	for x := range in {
		out <- x + 1
	}
	close(out)
}

// pingpong times n round trips between two goroutines.
func pingpong(n uint64) time.Duration {
	to, from := make(chan uint64), make(chan uint64)
	go func() {
		for v := range to {
			from <- v
		}
	}()
	to <- 0 // an untimed round trip: the ponger is running
	<-from
	start := time.Now()
	for i := uint64(0); i < n; i++ {
		to <- i
		<-from
	}
	took := time.Since(start)
	close(to)
	return took
}

// ringBench builds a ring of cfg.ringProcs goroutines (this one drives)
// once, then times cfg.ringLaps laps of one token per sample.
func ringBench(cfg config) stats {
	head := make(chan uint64)
	prev := head
	for i := 1; i < cfg.ringProcs; i++ {
		next := make(chan uint64)
		go forward(prev, next)
		prev = next
	}
	tail := prev
	laps := func(n uint64) time.Duration {
		start := time.Now()
		for lap := uint64(0); lap < n; lap++ {
			head <- lap
			<-tail
		}
		return time.Since(start)
	}
	laps(cfg.ringLaps)
	s := sample(cfg.samples, cfg.ringLaps, float64(cfg.ringProcs), laps)
	close(head)
	for range tail {
	}
	return s
}

// forward copies values until its input closes, then closes its output.
func forward(in <-chan uint64, out chan<- uint64) {
	for v := range in {
		out <- v
	}
	close(out)
}

// stream has producers goroutines each send n values on one channel
// buffering 1024; this goroutine receives them all.
func stream(producers int, n uint64) time.Duration {
	ch := make(chan uint64, 1024)
	start := time.Now()
	for p := 0; p < producers; p++ {
		go func() {
			for i := uint64(0); i < n; i++ {
				ch <- i
			}
		}()
	}
	total := n * uint64(producers)
	for i := uint64(0); i < total; i++ {
		<-ch
	}
	return time.Since(start)
}

// parkAll parks n goroutines, each in a receive on its own unbuffered
// channel (kept alive in a slice), and returns the RSS growth per
// goroutine. Memory is allocated when a goroutine is created, so waiting
// for every one to have started is enough.
func parkAll(n int) float64 {
	runtime.GC()
	before := rss()
	chans := make([]chan uint64, n)
	var started atomic.Int64
	for i := range chans {
		chans[i] = make(chan uint64)
		go park(chans[i], &started)
	}
	for started.Load() < int64(n) {
		runtime.Gosched()
	}
	after := rss()
	runtime.KeepAlive(chans)
	return float64(after-before) / float64(n)
}

// park counts itself and waits for one value.
func park(ch chan uint64, started *atomic.Int64) {
	started.Add(1)
	<-ch
}

// rss is the resident set size from /proc/self/statm, in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		panic(err)
	}
	pages, err := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	if err != nil {
		panic(err)
	}
	return pages * int64(os.Getpagesize())
}
