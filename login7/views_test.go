package login7

import (
	"bytes"
	"testing"
)

// TestViewsAreCapped checks that views returned by the decoders have no
// spare capacity into the caller's input: appending to one must copy, not
// overwrite the bytes that follow it (review finding: appending to
// Init.StateData used to overwrite ToBe's Length).
func TestViewsAreCapped(t *testing.T) {
	t.Run("SessionRecovery", func(t *testing.T) {
		// Init: Length 5: RecoveryDatabase 0 chars, RecoveryCollation 0,
		// RecoveryLanguage 0, SessionStateData {StateId 1, StateLen 0};
		// ToBe: Length 3, all three empty ([MS-TDS] 2.2.6.4
		// SESSIONRECOVERY feature data).
		data := []byte{5, 0, 0, 0, 0, 0, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0}
		orig := bytes.Clone(data)
		var s SessionRecovery
		if err := s.Decode(data); err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string][]byte{
			"Init.StateData": s.Init.StateData, "ToBe.StateData": s.ToBe.StateData,
		} {
			if cap(v) != len(v) {
				t.Errorf("%s: len %d cap %d", name, len(v), cap(v))
			}
		}
		_ = append(s.Init.StateData, 0xEE, 0xEE)
		if !bytes.Equal(data, orig) {
			t.Fatalf("append to Init.StateData changed the input: % x", data)
		}
	})
	t.Run("SessionRecoveryFields", func(t *testing.T) {
		// Init: Length 15: RecoveryDatabase 1 char "d", RecoveryCollation
		// 5 bytes, RecoveryLanguage 1 char "l", one SessionStateData
		// {StateId 2, StateLen 1, 0x7F}; ToBe: Length 3, all empty.
		data := []byte{
			15, 0, 0, 0,
			1, 'd', 0,
			5, 0x09, 0x04, 0xD0, 0x00, 0x34,
			1, 'l', 0,
			2, 1, 0x7F,
			3, 0, 0, 0, 0, 0, 0,
		}
		orig := bytes.Clone(data)
		var s SessionRecovery
		if err := s.Decode(data); err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string][]byte{
			"Database": s.Init.Database, "Collation": s.Init.Collation,
			"Language": s.Init.Language, "StateData": s.Init.StateData,
		} {
			if len(v) == 0 || cap(v) != len(v) {
				t.Errorf("%s: len %d cap %d", name, len(v), cap(v))
			}
			_ = append(v, 0xEE)
		}
		if !bytes.Equal(data, orig) {
			t.Fatalf("appending to views changed the input: % x", data)
		}
	})
	t.Run("DataClassification", func(t *testing.T) {
		in := []byte{3, 0xAA, 0xBB, 0xCC, 0xDD}
		var d DataClassification
		if err := d.Decode(in[:3]); err != nil {
			t.Fatal(err)
		}
		if cap(d.VersionSpecific) != len(d.VersionSpecific) {
			t.Fatalf("VersionSpecific: len %d cap %d", len(d.VersionSpecific), cap(d.VersionSpecific))
		}
		_ = append(d.VersionSpecific, 0xEE)
		if in[3] != 0xCC {
			t.Fatal("append to VersionSpecific overwrote the caller's input")
		}
	})
}
