// OpenSSL 3 libcrypto for Swift. Macro APIs and variadic functions that Swift cannot call get
// `static inline` wrappers here (Docs/ARCHITECTURE.md §2).
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <string.h>
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
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/asn1.h>

/// `BIO_get_mem_data`, a macro: the bytes written to a memory BIO so far.
static inline long copenssl_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }

/// `OPENSSL_free`, a macro.
static inline void copenssl_free(void *p) { OPENSSL_free(p); }

/// `sk_X509_new_null`, a macro.
static inline STACK_OF(X509) *copenssl_sk_X509_new_null(void) { return sk_X509_new_null(); }
/// `sk_X509_push`, a macro.
static inline int copenssl_sk_X509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }
/// `sk_X509_pop_free(stack, X509_free)`, a macro.
static inline void copenssl_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }
/// `sk_X509_num`, a macro.
static inline int copenssl_sk_X509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }
/// `sk_X509_value`, a macro.
static inline X509 *copenssl_sk_X509_value(const STACK_OF(X509) *stack, int index) { return sk_X509_value(stack, index); }

/// Flags for printing a name as RFC 2253 text with UTF-8 kept as UTF-8.
// The extended key usages of a certificate, as dotted OIDs written one after another into `out`
// (each ended by a NUL byte): how many there are, or -1 when the certificate has none.
static inline int copenssl_extended_key_usages(X509 *cert, char *out, int capacity) {
    EXTENDED_KEY_USAGE *usages = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
    if (usages == NULL) { return -1; }
    int count = sk_ASN1_OBJECT_num(usages);
    int written = 0;
    for (int i = 0; i < count; i++) {
        char text[256];
        int length = OBJ_obj2txt(text, sizeof(text), sk_ASN1_OBJECT_value(usages, i), 1);
        if (length <= 0 || length >= (int)sizeof(text) || written + length + 1 > capacity) { count = i; break; }
        memcpy(out + written, text, (size_t)length + 1);
        written += length + 1;
    }
    sk_ASN1_OBJECT_pop_free(usages, ASN1_OBJECT_free);
    return count;
}

static inline unsigned long copenssl_name_print_flags(void) { return XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB; }

/// `sk_X509_CRL_new_null`, a macro.
static inline STACK_OF(X509_CRL) *copenssl_sk_X509_CRL_new_null(void) { return sk_X509_CRL_new_null(); }
/// `sk_X509_CRL_push`, a macro.
static inline int copenssl_sk_X509_CRL_push(STACK_OF(X509_CRL) *stack, X509_CRL *crl) { return sk_X509_CRL_push(stack, crl); }
/// `sk_X509_CRL_pop_free(stack, X509_CRL_free)`, a macro.
static inline void copenssl_sk_X509_CRL_pop_free(STACK_OF(X509_CRL) *stack) { sk_X509_CRL_pop_free(stack, X509_CRL_free); }

/// NIST SP 800-108 counter-mode KDF with AES-128-CMAC through OpenSSL's KBKDF. The OSSL_PARAM
/// arrays keep pointers to their names, so they are built here, from C string literals, rather than
/// in Swift, where a bridged name would be a temporary. `salt` is the label, `info` the context or
/// the whole fixed input. Returns 1 on success.
static inline int copenssl_kbkdf_counter_cmac_aes128(
    const unsigned char *key, size_t key_length, const unsigned char *salt, size_t salt_length,
    const unsigned char *info, size_t info_length, int use_length_and_separator,
    unsigned char *out, size_t out_length)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "KBKDF", NULL);
    if (kdf == NULL) return 0;
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (ctx == NULL) return 0;
    int flag = use_length_and_separator;
    OSSL_PARAM params[9];
    OSSL_PARAM *p = params;
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, "counter", 0);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, "CMAC", 0);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_CIPHER, "AES-128-CBC", 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_length);
    if (salt_length > 0) *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_length);
    if (info_length > 0) *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_length);
    *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_L, &flag);
    *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, &flag);
    *p = OSSL_PARAM_construct_end();
    int result = EVP_KDF_derive(ctx, out, out_length, params);
    EVP_KDF_CTX_free(ctx);
    return result;
}

/// AES-128-CMAC (SP 800-38B) through EVP_MAC, for the same reason built here. Returns 1 on success.
static inline int copenssl_cmac_aes128(
    const unsigned char *key, size_t key_length, const unsigned char *message, size_t message_length,
    unsigned char *out, size_t *out_length, size_t out_size)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
    if (mac == NULL) return 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    if (ctx == NULL) return 0;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, "AES-128-CBC", 0);
    params[1] = OSSL_PARAM_construct_end();
    int result = EVP_MAC_init(ctx, key, key_length, params)
        && EVP_MAC_update(ctx, message, message_length)
        && EVP_MAC_final(ctx, out, out_length, out_size);
    EVP_MAC_CTX_free(ctx);
    return result;
}

/// An EC (`type` "EC", group "prime256v1") or SM2 (`type` and group "SM2") public key from its
/// uncompressed point, through EVP_PKEY_fromdata: a point not on the curve is refused, and OpenSSL 3's
/// DER decoder framework (hundreds of microseconds a key) is not involved. NULL on failure.
static inline EVP_PKEY *copenssl_ec_public_key(
    const char *type, const char *group, const unsigned char *point, size_t length) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx == NULL) return NULL;
    EVP_PKEY *key = NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, length),
        OSSL_PARAM_construct_end()};
    if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        key = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return key;
}

#endif
