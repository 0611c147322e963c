package ntlm

import (
	"crypto"
	"crypto/md5"
	_ "crypto/sha256" // registers SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // registers SHA-384 and SHA-512 for crypto.Hash.New
	"crypto/tls"
	"crypto/x509"
)

// ChannelBindings is a gss_channel_bindings_struct ([RFC2744] 3.11), the
// ClientChannelBindingsUnhashed of [MS-NLMP] 3.1.1.2 and
// ServerChannelBindingsUnhashed of 3.2.1.2. Over TLS only ApplicationData
// is set (see TLSServerEndPoint); the address fields stay zero.
type ChannelBindings struct {
	InitiatorAddrType uint32
	InitiatorAddress  []byte
	AcceptorAddrType  uint32
	AcceptorAddress   []byte
	ApplicationData   []byte
}

// Hash returns MD5_HASH of the flattened structure, the value of the
// MsvAvChannelBindings AV_PAIR ([MS-NLMP] 2.2.2.1, [RFC4121] 4.1.1.2): each
// address type and each length as a little-endian 32-bit integer, each
// value following its length.
func (cb *ChannelBindings) Hash() [16]byte {
	h := md5.New()
	var n [4]byte
	put := func(v uint32) {
		putLE32(n[:], v)
		h.Write(n[:])
	}
	put(cb.InitiatorAddrType)
	put(uint32(len(cb.InitiatorAddress)))
	h.Write(cb.InitiatorAddress)
	put(cb.AcceptorAddrType)
	put(uint32(len(cb.AcceptorAddress)))
	h.Write(cb.AcceptorAddress)
	put(uint32(len(cb.ApplicationData)))
	h.Write(cb.ApplicationData)
	var out [16]byte
	h.Sum(out[:0])
	return out
}

// tlsServerEndPointPrefix labels the channel binding type of [RFC5929] 4.
const tlsServerEndPointPrefix = "tls-server-end-point:"

// TLSServerEndPoint returns the channel bindings of type
// "tls-server-end-point" ([RFC5929] 4.1) for the server certificate cert:
// application data "tls-server-end-point:" followed by the hash of the
// certificate's DER encoding. The hash is the one the certificate's
// signature algorithm uses, except that MD5 and SHA-1 are replaced by
// SHA-256; for algorithms with no single hash (Ed25519, unknown ones)
// [RFC5929] leaves the binding undefined and an ErrUnsupported error is
// returned.
func TLSServerEndPoint(cert *x509.Certificate) (*ChannelBindings, error) {
	if cert == nil {
		return nil, errorf(LayerBindings, 0, ErrUnsupported, "no server certificate")
	}
	var hash crypto.Hash
	switch cert.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1,
		x509.SHA256WithRSA, x509.DSAWithSHA256, x509.ECDSAWithSHA256, x509.SHA256WithRSAPSS:
		hash = crypto.SHA256
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
		hash = crypto.SHA384
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS:
		hash = crypto.SHA512
	default:
		return nil, errorf(LayerBindings, 0, ErrUnsupported, "tls-server-end-point is undefined for signature algorithm %v", cert.SignatureAlgorithm)
	}
	h := hash.New()
	h.Write(cert.Raw)
	data := make([]byte, 0, len(tlsServerEndPointPrefix)+hash.Size())
	data = append(data, tlsServerEndPointPrefix...)
	data = h.Sum(data)
	return &ChannelBindings{ApplicationData: data}, nil
}

// TLSServerEndPointFromState returns TLSServerEndPoint of the server's leaf
// certificate in a client's tls.ConnectionState (PeerCertificates[0]).
// A server holds its own certificate and calls TLSServerEndPoint directly.
func TLSServerEndPointFromState(cs *tls.ConnectionState) (*ChannelBindings, error) {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return nil, errorf(LayerBindings, 0, ErrUnsupported, "connection state has no peer certificate")
	}
	return TLSServerEndPoint(cs.PeerCertificates[0])
}
