package ntlm

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// TestVerifyUnknownUserLikeWrongPassword checks that Verify answers an
// unknown user exactly as it answers a wrong password: the same error
// text, offset and class (ErrLogonFailed), with the distinction reachable
// only through errors.Is.
func TestVerifyUnknownUserLikeWrongPassword(t *testing.T) {
	errs := map[string]error{}
	for name, change := range map[string]func(c *Client){
		"wrong password": func(c *Client) { c.Password = "s3cret!" },
		"unknown user":   func(c *Client) { c.User = "joe34" },
	} {
		c, s := testPair()
		change(c)
		x := run(t, c, s)
		_, err := s.Verify(x.negotiate, x.challenge, x.authenticate)
		if !errors.Is(err, ErrLogonFailed) {
			t.Fatalf("%s: %v, want ErrLogonFailed", name, err)
		}
		errs[name] = err
	}
	wp, uu := errs["wrong password"], errs["unknown user"]
	if wp.Error() != uu.Error() {
		t.Errorf("error texts differ:\n%s\n%s", wp, uu)
	}
	var e1, e2 *Error
	if !errors.As(wp, &e1) || !errors.As(uu, &e2) || e1.Offset != e2.Offset || e1.Layer != e2.Layer || e1.Err != e2.Err {
		t.Errorf("errors differ in layer, offset or class: %#v, %#v", e1, e2)
	}
	if !errors.Is(wp, ErrWrongPassword) || errors.Is(wp, ErrUnknownUser) {
		t.Errorf("wrong password: errors.Is does not single out ErrWrongPassword: %v", wp)
	}
	if !errors.Is(uu, ErrUnknownUser) || errors.Is(uu, ErrWrongPassword) {
		t.Errorf("unknown user: errors.Is does not single out ErrUnknownUser: %v", uu)
	}
}

// TestVerifyTiming measures Verify for an unknown user, a wrong password
// and a correct one, interleaved over many rounds (so that load on the
// machine hits every case alike), and compares the medians: an unknown
// user must cost as much as a wrong password. Before the dummy NTOWFv2 and
// HMAC, an unknown user took under 1 µs against 6-8 µs. The bound (1.5x)
// is loose so that a loaded 2-core machine does not fail it; the figures
// are logged.
func TestVerifyTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing measurement skipped in -short mode")
	}
	type tcase struct {
		name    string
		s       *Server
		x       exchange
		wantErr bool
	}
	var cases []tcase
	for _, c := range []struct {
		name    string
		change  func(c *Client)
		wantErr bool
	}{
		{"unknown user", func(c *Client) { c.User = "joe34" }, true},
		{"wrong password", func(c *Client) { c.Password = "s3cret!" }, true},
		{"correct", func(c *Client) {}, false},
	} {
		cl, s := testPair()
		c.change(cl)
		cases = append(cases, tcase{c.name, s, run(t, cl, s), c.wantErr})
	}
	const rounds, inner = 201, 20
	samples := make([][]time.Duration, len(cases))
	for r := 0; r < rounds; r++ {
		for i, c := range cases {
			start := time.Now()
			for k := 0; k < inner; k++ {
				if _, err := c.s.Verify(c.x.negotiate, c.x.challenge, c.x.authenticate); (err != nil) != c.wantErr {
					t.Fatalf("%s: Verify = %v", c.name, err)
				}
			}
			samples[i] = append(samples[i], time.Since(start)/inner)
		}
	}
	med := make([]time.Duration, len(cases))
	for i, c := range cases {
		slices.Sort(samples[i])
		med[i] = samples[i][rounds/2]
		t.Logf("Verify %-14s median %v (p10 %v, p90 %v)", c.name, med[i], samples[i][rounds/10], samples[i][rounds*9/10])
	}
	ratio := float64(med[0]) / float64(med[1])
	t.Logf("unknown user / wrong password = %.2f", ratio)
	if ratio < 1/1.5 || ratio > 1.5 {
		t.Errorf("unknown user median %v, wrong password %v: ratio %.2f, want within 1.5x", med[0], med[1], ratio)
	}
}
