// OpenSSL 3 libcrypto for Swift. Macro APIs and variadic functions that Swift cannot call get
// `static inline` wrappers here (PLATFORM.md).
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/kdf.h>

/// `OPENSSL_free`, a macro.
static inline void copenssl_free(void *p) { OPENSSL_free(p); }

/// `sk_X509_new_null`, a macro.
static inline STACK_OF(X509) *copenssl_sk_X509_new_null(void) { return sk_X509_new_null(); }
/// `sk_X509_push`, a macro.
static inline int copenssl_sk_X509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }
/// `sk_X509_pop_free(stack, X509_free)`, a macro.
static inline void copenssl_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }
/// `sk_X509_CRL_new_null`, a macro.
static inline STACK_OF(X509_CRL) *copenssl_sk_X509_CRL_new_null(void) { return sk_X509_CRL_new_null(); }
/// `sk_X509_CRL_push`, a macro.
static inline int copenssl_sk_X509_CRL_push(STACK_OF(X509_CRL) *stack, X509_CRL *crl) { return sk_X509_CRL_push(stack, crl); }
/// `sk_X509_CRL_pop_free(stack, X509_CRL_free)`, a macro.
static inline void copenssl_sk_X509_CRL_pop_free(STACK_OF(X509_CRL) *stack) { sk_X509_CRL_pop_free(stack, X509_CRL_free); }

#endif
