package tdsconn

import "fmt"

// An observer over a capture: the TCP payloads of one conversation, in
// capture order, each with the direction it travelled (here the
// hand-written TDS 7.2 login of testdata, made from the [MS-TDS] section
// 4 dumps; a tracer takes them from a pcap, a proxy from its two
// connections).
func ExampleObserver() {
	segments, err := loadConv("sql-login-tds72.conv")
	if err != nil {
		fmt.Println(err)
		return
	}
	var o Observer
	for _, seg := range segments {
		for ev, err := range o.Events(seg.dir, seg.b) {
			if err != nil {
				fmt.Println("cannot follow the", seg.dir, "side:", err)
				break
			}
			if ev.Kind == KindNone {
				continue // a packet of a message still arriving
			}
			fmt.Printf("%-6v %-16v %v", ev.Dir, ev.Kind, ev.Phase)
			switch {
			case ev.Login != nil:
				fmt.Printf(": user %q, TDS %v", ev.Login.UserName.String(), ev.Login.TDSVersion)
			case ev.LoginAck != nil:
				fmt.Printf(": accepted at TDS %v, packet size %d", ev.LoginAck.Negotiated(), ev.PacketSize)
			case ev.AttentionAck:
				fmt.Print(": acknowledges the attention")
			}
			fmt.Println()
		}
	}
	fmt.Println("encryption:", o.Encryption())
	// Output:
	// client PRELOGIN request prelogin
	// server PRELOGIN response login
	// client LOGIN7           login: user "sa", TDS 7.2 (0x72090002)
	// server login response   logged in: accepted at TDS 7.2 (0x72090002), packet size 4096
	// client SQL batch        logged in
	// server response         logged in
	// client attention        logged in
	// server response         logged in: acknowledges the attention
	// encryption: none
}
