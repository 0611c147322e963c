package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
)

// TestLoad runs the server command as its own process and has many
// go-mssqldb clients log in and query it at once: every login and query
// must succeed, and the server's peak RSS (VmHWM) is reported. The full
// size, 200 clients × 50 logins and queries, runs with TDSWIRE_LOAD=full;
// otherwise 50 clients × 20 (still a real concurrent load, for CI).
func TestLoad(t *testing.T) {
	clients, rounds := 50, 20
	if os.Getenv("TDSWIRE_LOAD") == "full" {
		clients, rounds = 200, 50
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TDSWIRE_SERVER_MAIN=1",
		"TDSWIRE_SERVER_ARGS=-addr 127.0.0.1:0 -tls off -quiet -rows 100 -max-conns 1000")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not start")
	}
	host, port, _ := strings.Cut(addr, ":")
	connector, err := mssql.NewConnector(fmt.Sprintf("sqlserver://sa:Passw0rd!@%s:%s?database=master&encrypt=disable&dial+timeout=10&connection+timeout=30", host, port))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxIdleConns(0) // every Conn is a new login
	db.SetMaxOpenConns(clients)

	peak := make(chan int64)
	stopPeak := make(chan struct{})
	go func() {
		var max int64
		for {
			if kb := rssKB(cmd.Process.Pid, "VmHWM"); kb > max {
				max = kb
			}
			select {
			case <-stopPeak:
				peak <- max
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				err := func() error {
					conn, err := db.Conn(ctx)
					if err != nil {
						return err
					}
					defer conn.Close()
					var n int
					want := c*rounds + r
					if err := conn.QueryRowContext(ctx, "SELECT @p1 + 1", want).Scan(&n); err != nil {
						return err
					}
					if n != want+1 {
						return fmt.Errorf("SELECT @p1 + 1 = %d, want %d", n, want+1)
					}
					rows, err := conn.QueryContext(ctx, "SELECT * FROM big")
					if err != nil {
						return err
					}
					defer rows.Close()
					k := 0
					for rows.Next() {
						k++
					}
					if err := rows.Err(); err != nil {
						return err
					}
					if k != 100 {
						return fmt.Errorf("%d rows, want 100", k)
					}
					return nil
				}()
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopPeak)
	hwm := <-peak
	if failed.Load() > 0 {
		t.Errorf("%d of %d login+query rounds failed; first: %v", failed.Load(), clients*rounds, firstErr.Load())
	}
	t.Logf("load: %d clients × %d logins and queries: %d ok, %d failed in %v (%.0f logins/s); server peak RSS %d KB",
		clients, rounds, ok.Load(), failed.Load(), elapsed.Round(time.Millisecond), float64(ok.Load())/elapsed.Seconds(), hwm)
	if hwm > 512<<10 {
		t.Errorf("server peak RSS %d KB, want under 512 MB", hwm)
	}
}

// rssKB reads a memory line (VmHWM, VmRSS) of /proc/pid/status in KB, 0
// if it cannot.
func rssKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
