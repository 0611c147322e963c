package tdstest_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tokens"
)

// TestCorpusDecodes decodes every seed with the decoder its Kind names, in
// the context the manifest gives: a seed that does not decode means the
// manifest is wrong.
func TestCorpusDecodes(t *testing.T) {
	seeds := tdstest.Corpus()
	if len(seeds) < 70 {
		t.Fatalf("%d seeds", len(seeds))
	}
	kinds := map[tdstest.Kind]int{}
	for _, s := range seeds {
		kinds[s.Kind]++
		t.Run(s.Name, func(t *testing.T) {
			err := decode(s)
			switch {
			case s.Invalid && err == nil:
				t.Errorf("%v decodes; the manifest says it does not (%s)", s, s.Note)
			case !s.Invalid && err != nil:
				t.Errorf("%v: %v", s, err)
			}
			if s.Source == "" || !strings.HasSuffix(s.Source, ".hex") {
				t.Errorf("Source %q", s.Source)
			}
		})
	}
	for _, k := range []tdstest.Kind{tdstest.KindPackets, tdstest.KindPrelogin, tdstest.KindLogin7, tdstest.KindSSPI, tdstest.KindTokens, tdstest.KindSQLBatch,
		tdstest.KindRPC, tdstest.KindTransMgr, tdstest.KindAttention, tdstest.KindNTLM, tdstest.KindSMP, tdstest.KindSPNEGO, tdstest.KindKRB5} {
		if kinds[k] == 0 {
			t.Errorf("no seed of kind %s", k)
		}
	}
	if n := len(tdstest.Seeds(tdstest.KindTokens, tdstest.KindLogin7)); n != kinds[tdstest.KindTokens]+kinds[tdstest.KindLogin7] {
		t.Errorf("Seeds(tokens, login7) = %d seeds", n)
	}
	enc := tdstest.Seeds(tdstest.KindTokens)
	found := false
	for _, s := range enc {
		if s.ColumnEncryption {
			found = true
			if s.TDSVersion != tds.Version74 {
				t.Errorf("%v", s)
			}
		}
	}
	if !found {
		t.Error("no token seed with column encryption")
	}
}

func decode(s tdstest.Seed) error {
	msg := s.Message()
	switch s.Kind {
	case tdstest.KindPackets:
		r := tds.NewReader(strings.NewReader(string(s.Bytes)))
		for {
			_, _, err := r.ReadMessage()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
		}
	case tdstest.KindPrelogin:
		var m prelogin.Message
		return m.Decode(msg)
	case tdstest.KindLogin7:
		var l login7.Login7
		return l.Decode(msg)
	case tdstest.KindSSPI:
		var m login7.SSPIMessage
		return m.Decode(msg)
	case tdstest.KindTokens:
		sc := tokens.NewScanner(msg, s.TDSVersion)
		sc.SetColumnEncryption(s.ColumnEncryption)
		sc.SetDataClassificationVersion(s.DataClassificationVersion)
		for {
			tt, err := sc.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if tt == tokens.TokenLoginAck {
				var ack tokens.LoginAck
				if err := sc.LoginAck(&ack); err != nil {
					return err
				}
			}
		}
	case tdstest.KindSQLBatch:
		var m request.SQLBatch
		return m.Decode(msg, s.TDSVersion)
	case tdstest.KindRPC:
		var r request.RPCReader
		if err := r.Reset(msg, s.TDSVersion); err != nil {
			return err
		}
		for _, err := range r.RPCs() {
			if err != nil {
				return err
			}
			for _, err := range r.Params() {
				if err != nil {
					return err
				}
			}
		}
		return nil
	case tdstest.KindTransMgr:
		var m request.TransMgrReq
		return m.Decode(msg, s.TDSVersion)
	case tdstest.KindAttention:
		var m request.Attention
		return m.Decode(msg)
	case tdstest.KindNTLM:
		typ, err := ntlm.PeekMessageType(msg)
		if err != nil {
			return err
		}
		switch typ {
		case ntlm.NtLmNegotiate:
			var m ntlm.Negotiate
			return m.Decode(msg)
		case ntlm.NtLmChallenge:
			var m ntlm.Challenge
			return m.Decode(msg)
		case ntlm.NtLmAuthenticate:
			var m ntlm.Authenticate
			return m.Decode(msg)
		}
		return errors.New("unknown NTLM message type")
	case tdstest.KindSMP:
		var h smp.Header
		_, err := h.DecodePacket(msg)
		return err
	case tdstest.KindSPNEGO, tdstest.KindKRB5:
		if len(msg) == 0 {
			return errors.New("empty")
		}
		return nil // decoded by packages spnego and krb5's own tests
	}
	return errors.New("unknown kind " + string(s.Kind))
}

func TestSeedMessage(t *testing.T) {
	for _, s := range tdstest.Seeds(tdstest.KindPackets) {
		if s.Name != "tds/stream-sqlbatch-600-in-512" {
			continue
		}
		// Two packets (512 and 104 bytes with their headers): 600 bytes of data.
		if n := len(s.Message()); n != 600 {
			t.Errorf("Message of %v: %d bytes, want 600", s, n)
		}
		return
	}
	t.Error("seed tds/stream-sqlbatch-600-in-512 missing")
}

// TestCorpusMatchesSources checks that every copy in corpus/ still has the
// bytes of the package testdata file it was copied from.
func TestCorpusMatchesSources(t *testing.T) {
	for _, s := range tdstest.Corpus() {
		orig := tdstest.ReadHex(t, "../../"+s.Source)
		if string(orig) != string(s.Bytes) {
			t.Errorf("%s: corpus copy differs from %s; copy the file again", s.Name, s.Source)
		}
	}
}
