package bench_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tdswire/tdswire/examples/bench"
)

// Capture a response go-mssqldb read from the example server, then decode
// the same bytes again with tdswire.
func ExampleDecoder() {
	s, err := bench.StartServer(3)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msgs, sum, err := bench.CaptureResponse(ctx, s, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("go-mssqldb read", sum.Rows, "rows")
	d := bench.NewDecoder()
	_, err = d.DecodeRows(msgs[len(msgs)-1], func(r *bench.Row) {
		fmt.Println(r.ID, r.Name, r.Price, r.Created.Format(time.RFC3339))
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// go-mssqldb read 3 rows
	// 1 row 1 1.25 2024-01-01T00:00:01Z
	// 2 row 2 2.50 2024-01-01T00:00:02Z
	// 3 row 3 3.75 2024-01-01T00:00:03Z
}
