package tdstest

import (
	"embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/tdswire/tdswire/tds"
)

// Kind says which decoder a Seed's bytes are for.
type Kind string

// The kinds of seed in the corpus.
const (
	KindPackets   Kind = "packets"   // a stream of TDS packets, [MS-TDS] 2.2.3 (tds.Reader)
	KindPrelogin  Kind = "prelogin"  // a PRELOGIN message, 2.2.6.5 (prelogin.Message)
	KindLogin7    Kind = "login7"    // a LOGIN7 message, 2.2.6.4 (login7.Login7)
	KindSSPI      Kind = "sspi"      // an SSPI message, 2.2.6.9 (login7.SSPIMessage)
	KindTokens    Kind = "tokens"    // a response token stream, 2.2.7 (tokens.Scanner)
	KindSQLBatch  Kind = "sqlbatch"  // a SQL Batch payload, 2.2.6.7 (request.SQLBatch)
	KindRPC       Kind = "rpc"       // an RPC Request payload, 2.2.6.6 (request.RPCReader)
	KindTransMgr  Kind = "transmgr"  // a Transaction Manager Request, 2.2.6.9 (request.TransMgrReq)
	KindAttention Kind = "attention" // an Attention packet, 2.2.1.7 (request.Attention.Decode)
	KindNTLM      Kind = "ntlm"      // an NTLM message, [MS-NLMP] 2.2.1 (package ntlm)
	KindSMP       Kind = "smp"       // an SMP packet, [MC-SMP] 2.2 (smp.Header)
	KindSPNEGO    Kind = "spnego"    // a SPNEGO token, RFC 4178 (package spnego)
	KindKRB5      Kind = "krb5"      // a Kerberos message, RFC 4120 (package krb5)
)

// Seed is one golden vector of tdswire's packages with the context it
// decodes in, for the seed corpus of a fuzz target or a table test.
type Seed struct {
	// Name identifies the seed: its package and file, "login7/login7-spec-4.2".
	Name string
	// Kind says which decoder the bytes are for.
	Kind Kind
	// Bytes is the vector as written in its golden file: whole packets,
	// 8-byte headers included, when Framed; the message alone otherwise.
	Bytes []byte
	// Framed reports that Bytes starts with a TDS packet header
	// ([MS-TDS] 2.2.3); Message removes the headers.
	Framed bool
	// TDSVersion is the negotiated version the bytes were decoded with
	// (tokens, requests), or 0 where the version does not matter.
	TDSVersion tds.Version
	// ColumnEncryption reports that the COLUMNENCRYPTION feature was
	// negotiated (tokens.Scanner.SetColumnEncryption).
	ColumnEncryption bool
	// DataClassificationVersion is the DATACLASSIFICATION_VERSION that was
	// acknowledged (tokens.Scanner.SetDataClassificationVersion), or 0.
	DataClassificationVersion uint8
	// Direction is "client" or "server": who sends the message, or ""
	// when either may.
	Direction string
	// Invalid reports a vector that tdswire's decoder refuses on purpose
	// (a specification example that contradicts the normative text);
	// Note says why. Fuzz seeds may include it, golden tests expect the
	// error.
	Invalid bool
	// Note explains an Invalid seed, or is empty.
	Note string
	// Source is the file in the tdswire repository the seed was copied
	// from; its comments cite the specification section or capture that
	// gives each byte.
	Source string
}

// Message returns the seed's message: Bytes without its packet headers
// when Framed (the data of every packet, concatenated), Bytes otherwise.
// It returns Bytes unchanged if a header announces more bytes than there
// are.
func (s Seed) Message() []byte {
	if !s.Framed {
		return s.Bytes
	}
	var out []byte
	for b := s.Bytes; len(b) >= tds.HeaderLen; {
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if n < tds.HeaderLen || n > len(b) {
			return s.Bytes
		}
		out = append(out, b[tds.HeaderLen:n]...)
		b = b[n:]
	}
	return out
}

// String formats s as its name, kind and context:
// "tokens/encrypted (tokens, TDS 7.4 (0x74000004), column encryption, 143
// bytes)".
func (s Seed) String() string {
	ctx := string(s.Kind)
	if s.TDSVersion != 0 {
		ctx += ", TDS " + s.TDSVersion.String()
	}
	if s.ColumnEncryption {
		ctx += ", column encryption"
	}
	if s.DataClassificationVersion != 0 {
		ctx += ", data classification v" + strconv.Itoa(int(s.DataClassificationVersion))
	}
	if s.Framed {
		ctx += ", framed"
	}
	if s.Invalid {
		ctx += ", invalid"
	}
	return s.Name + " (" + ctx + ", " + strconv.Itoa(len(s.Bytes)) + " bytes)"
}

//go:embed corpus/manifest.json corpus/*/*.hex
var corpusFS embed.FS

type manifestEntry struct {
	Name                      string `json:"name"`
	Kind                      Kind   `json:"kind"`
	File                      string `json:"file"`
	Source                    string `json:"source"`
	Framed                    bool   `json:"framed"`
	TDSVersion                string `json:"tds_version"`
	ColumnEncryption          bool   `json:"column_encryption"`
	DataClassificationVersion uint8  `json:"data_classification_version"`
	Direction                 string `json:"direction"`
	Invalid                   bool   `json:"invalid"`
	Note                      string `json:"note"`
}

// Corpus returns every seed, in the order of the corpus manifest
// (corpus/manifest.json in this package: the machine-readable list, with
// the golden files beside it). Each call returns fresh slices that the
// caller may modify.
func Corpus() []Seed {
	seeds, err := loadCorpus()
	if err != nil {
		// The corpus is embedded and checked by this package's tests.
		panic("tdstest: embedded corpus: " + err.Error())
	}
	return seeds
}

// Seeds returns the seeds of the given kinds, in corpus order; with no
// kinds it returns every seed.
func Seeds(kinds ...Kind) []Seed {
	all := Corpus()
	if len(kinds) == 0 {
		return all
	}
	var out []Seed
	for _, s := range all {
		for _, k := range kinds {
			if s.Kind == k {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// F is the part of *testing.F that AddSeeds uses.
type F interface {
	Add(args ...any)
}

// AddSeeds adds the Message of every seed of the given kinds (every seed
// with no kinds) to the seed corpus of f, so that a fuzz target of a
// driver starts from real protocol messages:
//
//	func FuzzParseResponse(f *testing.F) {
//		tdstest.AddSeeds(f, tdstest.KindTokens)
//		f.Fuzz(func(t *testing.T, b []byte) { parseResponse(b) })
//	}
//
// A target that also takes the context adds the seeds itself:
// f.Add(s.Message(), uint32(s.TDSVersion)).
func AddSeeds(f F, kinds ...Kind) {
	for _, s := range Seeds(kinds...) {
		f.Add(s.Message())
	}
}

func loadCorpus() ([]Seed, error) {
	raw, err := corpusFS.ReadFile("corpus/manifest.json")
	if err != nil {
		return nil, err
	}
	var m struct {
		Seeds []manifestEntry `json:"seeds"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	seeds := make([]Seed, 0, len(m.Seeds))
	for _, e := range m.Seeds {
		text, err := corpusFS.ReadFile("corpus/" + e.File)
		if err != nil {
			return nil, err
		}
		b, err := ParseHex(string(text))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.File, err)
		}
		s := Seed{Name: e.Name, Kind: e.Kind, Bytes: b, Framed: e.Framed, ColumnEncryption: e.ColumnEncryption,
			DataClassificationVersion: e.DataClassificationVersion, Direction: e.Direction, Invalid: e.Invalid, Note: e.Note, Source: e.Source}
		if e.TDSVersion != "" {
			v, err := strconv.ParseUint(e.TDSVersion, 0, 32)
			if err != nil {
				return nil, fmt.Errorf("%s: tds_version: %w", e.Name, err)
			}
			s.TDSVersion = tds.Version(v)
		}
		seeds = append(seeds, s)
	}
	return seeds, nil
}
