package request_test

import (
	"fmt"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// TestValueFormats pins the printed forms of the ALL_HEADERS headers and
// CipherInfo, written by hand: String for %v and %s, the detailed form
// for %+v.
func TestValueFormats(t *testing.T) {
	td := request.TransactionDescriptor{Descriptor: 0x51, OutstandingRequestCount: 1}
	qn := request.QueryNotifications{NotifyID: tds.UCS2{'n', 0, '1', 0}, SSBDeployment: tds.UCS2{'s', 0}, NotifyTimeout: 60000, HasTimeout: true}
	ta := request.TraceActivity{ActivityID: [16]byte{0: 0xab}, Sequence: 2}
	ci := request.CipherInfo{Type: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}, EncryptionAlgo: 1, EncryptionType: 2,
		DatabaseID: 5, CekID: 7, CekVersion: 1, CekMDVersion: 9, NormVersion: 1}
	custom := request.CipherInfo{Type: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 8}, AlgoName: tds.UCS2{'x', 0}, EncryptionType: 1, NormVersion: 1}
	const taHex = "ab000000000000000000000000000000"
	for _, c := range []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", td, "{Descriptor=0x51 OutstandingRequestCount=1}"},
		{"%+v", td, "TransactionDescriptor{Descriptor=0x51 OutstandingRequestCount=1}"},
		{"%#v", td, "request.TransactionDescriptor{Descriptor=0x51 OutstandingRequestCount=1}"},
		{"%v", request.AutoCommit(), "{Descriptor=0x0 OutstandingRequestCount=1}"},
		{"%v", qn, `{NotifyID="n1" SSBDeployment="s" NotifyTimeout=60000}`},
		{"%+v", qn, `QueryNotifications{NotifyID="n1" SSBDeployment="s" NotifyTimeout=60000 HasTimeout=true}`},
		{"%s", request.QueryNotifications{NotifyID: tds.UCS2{'n', 0}}, `{NotifyID="n" SSBDeployment=""}`},
		{"%+v", request.QueryNotifications{NotifyID: tds.UCS2{'n', 0}}, `QueryNotifications{NotifyID="n" SSBDeployment="" NotifyTimeout=0 HasTimeout=false}`},
		{"%v", ta, "{ActivityID=" + taHex + " Sequence=2}"},
		{"%+v", ta, "TraceActivity{ActivityID=" + taHex + " Sequence=2}"},
		{"%v", ci, "{Type=int EncryptionAlgo=1 EncryptionType=2 DatabaseID=5 CekID=7 CekVersion=1 CekMDVersion=9 NormVersion=1}"},
		{"%+v", ci, "CipherInfo{Type=int {INTNTYPE MaxLen=4} EncryptionAlgo=1 EncryptionType=2 DatabaseID=5 CekID=7 CekVersion=1 CekMDVersion=9 NormVersion=1}"},
		{"%v", custom, `{Type=bigint EncryptionAlgo=0 AlgoName="x" EncryptionType=1 DatabaseID=0 CekID=0 CekVersion=0 CekMDVersion=0 NormVersion=1}`},
		{"%#v", custom, `request.CipherInfo{Type=bigint EncryptionAlgo=0 AlgoName="x" EncryptionType=1 DatabaseID=0 CekID=0 CekVersion=0 CekMDVersion=0 NormVersion=1}`},
	} {
		if got := fmt.Sprintf(c.format, c.arg); got != c.want {
			t.Errorf("Sprintf(%q, %T):\n got %s\nwant %s", c.format, c.arg, got, c.want)
		}
	}
	h := request.AllHeaders{TransactionDescriptor: td, QueryNotifications: qn, HasQueryNotifications: true}
	const wantH = `ALL_HEADERS{TransactionDescriptor={Descriptor=0x51 OutstandingRequestCount=1} HasQueryNotifications=true QueryNotifications={NotifyID="n1" SSBDeployment="s" NotifyTimeout=60000} HasTraceActivity=false TraceActivity={ActivityID=00000000000000000000000000000000 Sequence=0}}`
	if got := fmt.Sprintf("%+v", h); got != wantH {
		t.Errorf("AllHeaders %%+v:\n got %s\nwant %s", got, wantH)
	}
}
