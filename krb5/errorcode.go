package krb5

import "strconv"

// ErrorCode is the error-code of a KRB-ERROR ([RFC 4120] 5.9.1, Int32),
// one of the codes of [RFC 4120] 7.5.9.
type ErrorCode int32

// The error codes of [RFC 4120] 7.5.9, with the meaning the RFC gives.
const (
	KDCErrNone                        ErrorCode = 0  // KDC_ERR_NONE: No error
	KDCErrNameExp                     ErrorCode = 1  // KDC_ERR_NAME_EXP: Client's entry in database has expired
	KDCErrServiceExp                  ErrorCode = 2  // KDC_ERR_SERVICE_EXP: Server's entry in database has expired
	KDCErrBadPVNO                     ErrorCode = 3  // KDC_ERR_BAD_PVNO: Requested protocol version number not supported
	KDCErrCOldMastKVNO                ErrorCode = 4  // KDC_ERR_C_OLD_MAST_KVNO: Client's key encrypted in old master key
	KDCErrSOldMastKVNO                ErrorCode = 5  // KDC_ERR_S_OLD_MAST_KVNO: Server's key encrypted in old master key
	KDCErrCPrincipalUnknown           ErrorCode = 6  // KDC_ERR_C_PRINCIPAL_UNKNOWN: Client not found in Kerberos database
	KDCErrSPrincipalUnknown           ErrorCode = 7  // KDC_ERR_S_PRINCIPAL_UNKNOWN: Server not found in Kerberos database
	KDCErrPrincipalNotUnique          ErrorCode = 8  // KDC_ERR_PRINCIPAL_NOT_UNIQUE: Multiple principal entries in database
	KDCErrNullKey                     ErrorCode = 9  // KDC_ERR_NULL_KEY: The client or server has a null key
	KDCErrCannotPostdate              ErrorCode = 10 // KDC_ERR_CANNOT_POSTDATE: Ticket not eligible for postdating
	KDCErrNeverValid                  ErrorCode = 11 // KDC_ERR_NEVER_VALID: Requested starttime is later than end time
	KDCErrPolicy                      ErrorCode = 12 // KDC_ERR_POLICY: KDC policy rejects request
	KDCErrBadoption                   ErrorCode = 13 // KDC_ERR_BADOPTION: KDC cannot accommodate requested option
	KDCErrEtypeNosupp                 ErrorCode = 14 // KDC_ERR_ETYPE_NOSUPP: KDC has no support for encryption type
	KDCErrSumtypeNosupp               ErrorCode = 15 // KDC_ERR_SUMTYPE_NOSUPP: KDC has no support for checksum type
	KDCErrPadataTypeNosupp            ErrorCode = 16 // KDC_ERR_PADATA_TYPE_NOSUPP: KDC has no support for padata type
	KDCErrTrtypeNosupp                ErrorCode = 17 // KDC_ERR_TRTYPE_NOSUPP: KDC has no support for transited type
	KDCErrClientRevoked               ErrorCode = 18 // KDC_ERR_CLIENT_REVOKED: Clients credentials have been revoked
	KDCErrServiceRevoked              ErrorCode = 19 // KDC_ERR_SERVICE_REVOKED: Credentials for server have been revoked
	KDCErrTGTRevoked                  ErrorCode = 20 // KDC_ERR_TGT_REVOKED: TGT has been revoked
	KDCErrClientNotyet                ErrorCode = 21 // KDC_ERR_CLIENT_NOTYET: Client not yet valid; try again later
	KDCErrServiceNotyet               ErrorCode = 22 // KDC_ERR_SERVICE_NOTYET: Server not yet valid; try again later
	KDCErrKeyExpired                  ErrorCode = 23 // KDC_ERR_KEY_EXPIRED: Password has expired; change password to reset
	KDCErrPreauthFailed               ErrorCode = 24 // KDC_ERR_PREAUTH_FAILED: Pre-authentication information was invalid
	KDCErrPreauthRequired             ErrorCode = 25 // KDC_ERR_PREAUTH_REQUIRED: Additional pre-authentication required
	KDCErrServerNomatch               ErrorCode = 26 // KDC_ERR_SERVER_NOMATCH: Requested server and ticket don't match
	KDCErrMustUseUser2user            ErrorCode = 27 // KDC_ERR_MUST_USE_USER2USER: Server principal valid for user2user only
	KDCErrPathNotAccepted             ErrorCode = 28 // KDC_ERR_PATH_NOT_ACCEPTED: KDC Policy rejects transited path
	KDCErrSvcUnavailable              ErrorCode = 29 // KDC_ERR_SVC_UNAVAILABLE: A service is not available
	KRBAPErrBadIntegrity              ErrorCode = 31 // KRB_AP_ERR_BAD_INTEGRITY: Integrity check on decrypted field failed
	KRBAPErrTktExpired                ErrorCode = 32 // KRB_AP_ERR_TKT_EXPIRED: Ticket expired
	KRBAPErrTktNYV                    ErrorCode = 33 // KRB_AP_ERR_TKT_NYV: Ticket not yet valid
	KRBAPErrRepeat                    ErrorCode = 34 // KRB_AP_ERR_REPEAT: Request is a replay
	KRBAPErrNotUs                     ErrorCode = 35 // KRB_AP_ERR_NOT_US: The ticket isn't for us
	KRBAPErrBadmatch                  ErrorCode = 36 // KRB_AP_ERR_BADMATCH: Ticket and authenticator don't match
	KRBAPErrSkew                      ErrorCode = 37 // KRB_AP_ERR_SKEW: Clock skew too great
	KRBAPErrBadaddr                   ErrorCode = 38 // KRB_AP_ERR_BADADDR: Incorrect net address
	KRBAPErrBadversion                ErrorCode = 39 // KRB_AP_ERR_BADVERSION: Protocol version mismatch
	KRBAPErrMsgType                   ErrorCode = 40 // KRB_AP_ERR_MSG_TYPE: Invalid msg type
	KRBAPErrModified                  ErrorCode = 41 // KRB_AP_ERR_MODIFIED: Message stream modified
	KRBAPErrBadorder                  ErrorCode = 42 // KRB_AP_ERR_BADORDER: Message out of order
	KRBAPErrBadkeyver                 ErrorCode = 44 // KRB_AP_ERR_BADKEYVER: Specified version of key is not available
	KRBAPErrNokey                     ErrorCode = 45 // KRB_AP_ERR_NOKEY: Service key not available
	KRBAPErrMutFail                   ErrorCode = 46 // KRB_AP_ERR_MUT_FAIL: Mutual authentication failed
	KRBAPErrBaddirection              ErrorCode = 47 // KRB_AP_ERR_BADDIRECTION: Incorrect message direction
	KRBAPErrMethod                    ErrorCode = 48 // KRB_AP_ERR_METHOD: Alternative authentication method required
	KRBAPErrBadseq                    ErrorCode = 49 // KRB_AP_ERR_BADSEQ: Incorrect sequence number in message
	KRBAPErrInappCksum                ErrorCode = 50 // KRB_AP_ERR_INAPP_CKSUM: Inappropriate type of checksum in message
	KRBAPPathNotAccepted              ErrorCode = 51 // KRB_AP_PATH_NOT_ACCEPTED: Policy rejects transited path
	KRBErrResponseTooBig              ErrorCode = 52 // KRB_ERR_RESPONSE_TOO_BIG: Response too big for UDP; retry with TCP
	KRBErrGeneric                     ErrorCode = 60 // KRB_ERR_GENERIC: Generic error (description in e-text)
	KRBErrFieldToolong                ErrorCode = 61 // KRB_ERR_FIELD_TOOLONG: Field is too long for this implementation
	KDCErrorClientNotTrusted          ErrorCode = 62 // KDC_ERROR_CLIENT_NOT_TRUSTED: Reserved for PKINIT
	KDCErrorKDCNotTrusted             ErrorCode = 63 // KDC_ERROR_KDC_NOT_TRUSTED: Reserved for PKINIT
	KDCErrorInvalidSig                ErrorCode = 64 // KDC_ERROR_INVALID_SIG: Reserved for PKINIT
	KDCErrKeyTooWeak                  ErrorCode = 65 // KDC_ERR_KEY_TOO_WEAK: Reserved for PKINIT
	KDCErrCertificateMismatch         ErrorCode = 66 // KDC_ERR_CERTIFICATE_MISMATCH: Reserved for PKINIT
	KRBAPErrNoTGT                     ErrorCode = 67 // KRB_AP_ERR_NO_TGT: No TGT available to validate USER-TO-USER
	KDCErrWrongRealm                  ErrorCode = 68 // KDC_ERR_WRONG_REALM: Reserved for future use
	KRBAPErrUserToUserRequired        ErrorCode = 69 // KRB_AP_ERR_USER_TO_USER_REQUIRED: Ticket must be for USER-TO-USER
	KDCErrCantVerifyCertificate       ErrorCode = 70 // KDC_ERR_CANT_VERIFY_CERTIFICATE: Reserved for PKINIT
	KDCErrInvalidCertificate          ErrorCode = 71 // KDC_ERR_INVALID_CERTIFICATE: Reserved for PKINIT
	KDCErrRevokedCertificate          ErrorCode = 72 // KDC_ERR_REVOKED_CERTIFICATE: Reserved for PKINIT
	KDCErrRevocationStatusUnknown     ErrorCode = 73 // KDC_ERR_REVOCATION_STATUS_UNKNOWN: Reserved for PKINIT
	KDCErrRevocationStatusUnavailable ErrorCode = 74 // KDC_ERR_REVOCATION_STATUS_UNAVAILABLE: Reserved for PKINIT
	KDCErrClientNameMismatch          ErrorCode = 75 // KDC_ERR_CLIENT_NAME_MISMATCH: Reserved for PKINIT
	KDCErrKDCNameMismatch             ErrorCode = 76 // KDC_ERR_KDC_NAME_MISMATCH: Reserved for PKINIT
)

// String returns the code's name in [RFC 4120] 7.5.9 ("KRB_AP_ERR_SKEW"),
// or "error-code(N)" for a code the RFC does not list.
func (c ErrorCode) String() string {
	switch c {
	case KDCErrNone:
		return "KDC_ERR_NONE"
	case KDCErrNameExp:
		return "KDC_ERR_NAME_EXP"
	case KDCErrServiceExp:
		return "KDC_ERR_SERVICE_EXP"
	case KDCErrBadPVNO:
		return "KDC_ERR_BAD_PVNO"
	case KDCErrCOldMastKVNO:
		return "KDC_ERR_C_OLD_MAST_KVNO"
	case KDCErrSOldMastKVNO:
		return "KDC_ERR_S_OLD_MAST_KVNO"
	case KDCErrCPrincipalUnknown:
		return "KDC_ERR_C_PRINCIPAL_UNKNOWN"
	case KDCErrSPrincipalUnknown:
		return "KDC_ERR_S_PRINCIPAL_UNKNOWN"
	case KDCErrPrincipalNotUnique:
		return "KDC_ERR_PRINCIPAL_NOT_UNIQUE"
	case KDCErrNullKey:
		return "KDC_ERR_NULL_KEY"
	case KDCErrCannotPostdate:
		return "KDC_ERR_CANNOT_POSTDATE"
	case KDCErrNeverValid:
		return "KDC_ERR_NEVER_VALID"
	case KDCErrPolicy:
		return "KDC_ERR_POLICY"
	case KDCErrBadoption:
		return "KDC_ERR_BADOPTION"
	case KDCErrEtypeNosupp:
		return "KDC_ERR_ETYPE_NOSUPP"
	case KDCErrSumtypeNosupp:
		return "KDC_ERR_SUMTYPE_NOSUPP"
	case KDCErrPadataTypeNosupp:
		return "KDC_ERR_PADATA_TYPE_NOSUPP"
	case KDCErrTrtypeNosupp:
		return "KDC_ERR_TRTYPE_NOSUPP"
	case KDCErrClientRevoked:
		return "KDC_ERR_CLIENT_REVOKED"
	case KDCErrServiceRevoked:
		return "KDC_ERR_SERVICE_REVOKED"
	case KDCErrTGTRevoked:
		return "KDC_ERR_TGT_REVOKED"
	case KDCErrClientNotyet:
		return "KDC_ERR_CLIENT_NOTYET"
	case KDCErrServiceNotyet:
		return "KDC_ERR_SERVICE_NOTYET"
	case KDCErrKeyExpired:
		return "KDC_ERR_KEY_EXPIRED"
	case KDCErrPreauthFailed:
		return "KDC_ERR_PREAUTH_FAILED"
	case KDCErrPreauthRequired:
		return "KDC_ERR_PREAUTH_REQUIRED"
	case KDCErrServerNomatch:
		return "KDC_ERR_SERVER_NOMATCH"
	case KDCErrMustUseUser2user:
		return "KDC_ERR_MUST_USE_USER2USER"
	case KDCErrPathNotAccepted:
		return "KDC_ERR_PATH_NOT_ACCEPTED"
	case KDCErrSvcUnavailable:
		return "KDC_ERR_SVC_UNAVAILABLE"
	case KRBAPErrBadIntegrity:
		return "KRB_AP_ERR_BAD_INTEGRITY"
	case KRBAPErrTktExpired:
		return "KRB_AP_ERR_TKT_EXPIRED"
	case KRBAPErrTktNYV:
		return "KRB_AP_ERR_TKT_NYV"
	case KRBAPErrRepeat:
		return "KRB_AP_ERR_REPEAT"
	case KRBAPErrNotUs:
		return "KRB_AP_ERR_NOT_US"
	case KRBAPErrBadmatch:
		return "KRB_AP_ERR_BADMATCH"
	case KRBAPErrSkew:
		return "KRB_AP_ERR_SKEW"
	case KRBAPErrBadaddr:
		return "KRB_AP_ERR_BADADDR"
	case KRBAPErrBadversion:
		return "KRB_AP_ERR_BADVERSION"
	case KRBAPErrMsgType:
		return "KRB_AP_ERR_MSG_TYPE"
	case KRBAPErrModified:
		return "KRB_AP_ERR_MODIFIED"
	case KRBAPErrBadorder:
		return "KRB_AP_ERR_BADORDER"
	case KRBAPErrBadkeyver:
		return "KRB_AP_ERR_BADKEYVER"
	case KRBAPErrNokey:
		return "KRB_AP_ERR_NOKEY"
	case KRBAPErrMutFail:
		return "KRB_AP_ERR_MUT_FAIL"
	case KRBAPErrBaddirection:
		return "KRB_AP_ERR_BADDIRECTION"
	case KRBAPErrMethod:
		return "KRB_AP_ERR_METHOD"
	case KRBAPErrBadseq:
		return "KRB_AP_ERR_BADSEQ"
	case KRBAPErrInappCksum:
		return "KRB_AP_ERR_INAPP_CKSUM"
	case KRBAPPathNotAccepted:
		return "KRB_AP_PATH_NOT_ACCEPTED"
	case KRBErrResponseTooBig:
		return "KRB_ERR_RESPONSE_TOO_BIG"
	case KRBErrGeneric:
		return "KRB_ERR_GENERIC"
	case KRBErrFieldToolong:
		return "KRB_ERR_FIELD_TOOLONG"
	case KDCErrorClientNotTrusted:
		return "KDC_ERROR_CLIENT_NOT_TRUSTED"
	case KDCErrorKDCNotTrusted:
		return "KDC_ERROR_KDC_NOT_TRUSTED"
	case KDCErrorInvalidSig:
		return "KDC_ERROR_INVALID_SIG"
	case KDCErrKeyTooWeak:
		return "KDC_ERR_KEY_TOO_WEAK"
	case KDCErrCertificateMismatch:
		return "KDC_ERR_CERTIFICATE_MISMATCH"
	case KRBAPErrNoTGT:
		return "KRB_AP_ERR_NO_TGT"
	case KDCErrWrongRealm:
		return "KDC_ERR_WRONG_REALM"
	case KRBAPErrUserToUserRequired:
		return "KRB_AP_ERR_USER_TO_USER_REQUIRED"
	case KDCErrCantVerifyCertificate:
		return "KDC_ERR_CANT_VERIFY_CERTIFICATE"
	case KDCErrInvalidCertificate:
		return "KDC_ERR_INVALID_CERTIFICATE"
	case KDCErrRevokedCertificate:
		return "KDC_ERR_REVOKED_CERTIFICATE"
	case KDCErrRevocationStatusUnknown:
		return "KDC_ERR_REVOCATION_STATUS_UNKNOWN"
	case KDCErrRevocationStatusUnavailable:
		return "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE"
	case KDCErrClientNameMismatch:
		return "KDC_ERR_CLIENT_NAME_MISMATCH"
	case KDCErrKDCNameMismatch:
		return "KDC_ERR_KDC_NAME_MISMATCH"
	}
	return "error-code(" + strconv.Itoa(int(c)) + ")"
}

// Meaning returns the meaning [RFC 4120] 7.5.9 gives the code ("Clock
// skew too great"), or "" for a code the RFC does not list.
func (c ErrorCode) Meaning() string {
	switch c {
	case KDCErrNone:
		return "No error"
	case KDCErrNameExp:
		return "Client's entry in database has expired"
	case KDCErrServiceExp:
		return "Server's entry in database has expired"
	case KDCErrBadPVNO:
		return "Requested protocol version number not supported"
	case KDCErrCOldMastKVNO:
		return "Client's key encrypted in old master key"
	case KDCErrSOldMastKVNO:
		return "Server's key encrypted in old master key"
	case KDCErrCPrincipalUnknown:
		return "Client not found in Kerberos database"
	case KDCErrSPrincipalUnknown:
		return "Server not found in Kerberos database"
	case KDCErrPrincipalNotUnique:
		return "Multiple principal entries in database"
	case KDCErrNullKey:
		return "The client or server has a null key"
	case KDCErrCannotPostdate:
		return "Ticket not eligible for postdating"
	case KDCErrNeverValid:
		return "Requested starttime is later than end time"
	case KDCErrPolicy:
		return "KDC policy rejects request"
	case KDCErrBadoption:
		return "KDC cannot accommodate requested option"
	case KDCErrEtypeNosupp:
		return "KDC has no support for encryption type"
	case KDCErrSumtypeNosupp:
		return "KDC has no support for checksum type"
	case KDCErrPadataTypeNosupp:
		return "KDC has no support for padata type"
	case KDCErrTrtypeNosupp:
		return "KDC has no support for transited type"
	case KDCErrClientRevoked:
		return "Clients credentials have been revoked"
	case KDCErrServiceRevoked:
		return "Credentials for server have been revoked"
	case KDCErrTGTRevoked:
		return "TGT has been revoked"
	case KDCErrClientNotyet:
		return "Client not yet valid; try again later"
	case KDCErrServiceNotyet:
		return "Server not yet valid; try again later"
	case KDCErrKeyExpired:
		return "Password has expired; change password to reset"
	case KDCErrPreauthFailed:
		return "Pre-authentication information was invalid"
	case KDCErrPreauthRequired:
		return "Additional pre-authentication required"
	case KDCErrServerNomatch:
		return "Requested server and ticket don't match"
	case KDCErrMustUseUser2user:
		return "Server principal valid for user2user only"
	case KDCErrPathNotAccepted:
		return "KDC Policy rejects transited path"
	case KDCErrSvcUnavailable:
		return "A service is not available"
	case KRBAPErrBadIntegrity:
		return "Integrity check on decrypted field failed"
	case KRBAPErrTktExpired:
		return "Ticket expired"
	case KRBAPErrTktNYV:
		return "Ticket not yet valid"
	case KRBAPErrRepeat:
		return "Request is a replay"
	case KRBAPErrNotUs:
		return "The ticket isn't for us"
	case KRBAPErrBadmatch:
		return "Ticket and authenticator don't match"
	case KRBAPErrSkew:
		return "Clock skew too great"
	case KRBAPErrBadaddr:
		return "Incorrect net address"
	case KRBAPErrBadversion:
		return "Protocol version mismatch"
	case KRBAPErrMsgType:
		return "Invalid msg type"
	case KRBAPErrModified:
		return "Message stream modified"
	case KRBAPErrBadorder:
		return "Message out of order"
	case KRBAPErrBadkeyver:
		return "Specified version of key is not available"
	case KRBAPErrNokey:
		return "Service key not available"
	case KRBAPErrMutFail:
		return "Mutual authentication failed"
	case KRBAPErrBaddirection:
		return "Incorrect message direction"
	case KRBAPErrMethod:
		return "Alternative authentication method required"
	case KRBAPErrBadseq:
		return "Incorrect sequence number in message"
	case KRBAPErrInappCksum:
		return "Inappropriate type of checksum in message"
	case KRBAPPathNotAccepted:
		return "Policy rejects transited path"
	case KRBErrResponseTooBig:
		return "Response too big for UDP; retry with TCP"
	case KRBErrGeneric:
		return "Generic error (description in e-text)"
	case KRBErrFieldToolong:
		return "Field is too long for this implementation"
	case KDCErrorClientNotTrusted:
		return "Reserved for PKINIT"
	case KDCErrorKDCNotTrusted:
		return "Reserved for PKINIT"
	case KDCErrorInvalidSig:
		return "Reserved for PKINIT"
	case KDCErrKeyTooWeak:
		return "Reserved for PKINIT"
	case KDCErrCertificateMismatch:
		return "Reserved for PKINIT"
	case KRBAPErrNoTGT:
		return "No TGT available to validate USER-TO-USER"
	case KDCErrWrongRealm:
		return "Reserved for future use"
	case KRBAPErrUserToUserRequired:
		return "Ticket must be for USER-TO-USER"
	case KDCErrCantVerifyCertificate:
		return "Reserved for PKINIT"
	case KDCErrInvalidCertificate:
		return "Reserved for PKINIT"
	case KDCErrRevokedCertificate:
		return "Reserved for PKINIT"
	case KDCErrRevocationStatusUnknown:
		return "Reserved for PKINIT"
	case KDCErrRevocationStatusUnavailable:
		return "Reserved for PKINIT"
	case KDCErrClientNameMismatch:
		return "Reserved for PKINIT"
	case KDCErrKDCNameMismatch:
		return "Reserved for PKINIT"
	}
	return ""
}
