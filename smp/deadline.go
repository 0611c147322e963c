package smp

import (
	"sync"
	"time"
)

// deadline is a settable point in time with a channel that is closed once
// the time has passed. Session uses one for reads and one for writes to
// implement the net.Conn deadline methods; waiting costs no goroutine (a
// time.AfterFunc timer closes the channel).
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	expiry chan struct{} // closed when the deadline has passed
}

func newDeadline() *deadline {
	return &deadline{expiry: make(chan struct{})}
}

// set moves the deadline to t; the zero time means no deadline.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.expiry // the timer fired: wait until its callback closed expiry
	}
	d.timer = nil
	expired := false
	select {
	case <-d.expiry:
		expired = true
	default:
	}
	if t.IsZero() {
		if expired {
			d.expiry = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if expired {
			d.expiry = make(chan struct{})
		}
		c := d.expiry
		d.timer = time.AfterFunc(dur, func() { close(c) })
		return
	}
	if !expired {
		close(d.expiry)
	}
}

// wait returns the channel that is closed when the deadline passes.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expiry
}

// stop releases the timer, if any.
func (d *deadline) stop() {
	d.mu.Lock()
	if d.timer != nil && d.timer.Stop() {
		d.timer = nil
	}
	d.mu.Unlock()
}
