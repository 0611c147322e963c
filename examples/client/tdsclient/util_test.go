package tdsclient_test

import "fmt"

func sprint(v any) string { return fmt.Sprint(v) }
