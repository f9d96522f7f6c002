/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* libcrypto, opened on first use. OpenSSL 3's libcrypto takes about 7 ms to load and
 * initialise, half of pierctl's start-up, and most verbs never hash a large blob or make a
 * certificate before they are done. The engine calls it by its usual names, which this header
 * maps onto the loaded library. Include it instead of the <openssl/...> headers it includes
 * (and after <openssl/ssl.h> where that is needed). */

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define PIER_LIBCRYPTO_FUNCTIONS(X) \
  X (BIO_ctrl) \
  X (BIO_free) \
  X (BIO_new) \
  X (BIO_new_mem_buf) \
  X (BIO_s_mem) \
  X (BN_free) \
  X (BN_new) \
  X (BN_rand) \
  X (BN_to_ASN1_INTEGER) \
  X (ERR_clear_error) \
  X (ERR_get_error) \
  X (ERR_reason_error_string) \
  X (EVP_DigestFinal_ex) \
  X (EVP_DigestInit_ex) \
  X (EVP_DigestUpdate) \
  X (EVP_MD_CTX_free) \
  X (EVP_MD_CTX_new) \
  X (EVP_MD_fetch) \
  X (EVP_PKEY_Q_keygen) \
  X (EVP_PKEY_free) \
  X (EVP_sha256) \
  X (OPENSSL_init_crypto) \
  X (PEM_read_bio_X509) \
  X (PEM_write_bio_PrivateKey) \
  X (PEM_write_bio_X509) \
  X (X509V3_EXT_conf_nid) \
  X (X509V3_set_ctx) \
  X (X509_EXTENSION_free) \
  X (X509_NAME_add_entry_by_txt) \
  X (X509_add_ext) \
  X (X509_digest) \
  X (X509_free) \
  X (X509_get_serialNumber) \
  X (X509_get_subject_name) \
  X (X509_getm_notAfter) \
  X (X509_getm_notBefore) \
  X (X509_gmtime_adj) \
  X (X509_new) \
  X (X509_set_issuer_name) \
  X (X509_set_pubkey) \
  X (X509_set_version) \
  X (X509_sign)

typedef struct {
#define PIER_LIBCRYPTO_DECLARE(name) __typeof__ (name) *fn_##name;
  PIER_LIBCRYPTO_FUNCTIONS (PIER_LIBCRYPTO_DECLARE)
#undef PIER_LIBCRYPTO_DECLARE
} PierLibcrypto;

/* The loaded functions; libcrypto is part of every installation (Debian's libssl3), so failing
 * to open it is fatal, with a message saying what is missing. */
const PierLibcrypto *pier_libcrypto (void);

#define BIO_ctrl (pier_libcrypto ()->fn_BIO_ctrl)
#define BIO_free (pier_libcrypto ()->fn_BIO_free)
#define BIO_new (pier_libcrypto ()->fn_BIO_new)
#define BIO_new_mem_buf (pier_libcrypto ()->fn_BIO_new_mem_buf)
#define BIO_s_mem (pier_libcrypto ()->fn_BIO_s_mem)
#define BN_free (pier_libcrypto ()->fn_BN_free)
#define BN_new (pier_libcrypto ()->fn_BN_new)
#define BN_rand (pier_libcrypto ()->fn_BN_rand)
#define BN_to_ASN1_INTEGER (pier_libcrypto ()->fn_BN_to_ASN1_INTEGER)
#define ERR_clear_error (pier_libcrypto ()->fn_ERR_clear_error)
#define ERR_get_error (pier_libcrypto ()->fn_ERR_get_error)
#define ERR_reason_error_string (pier_libcrypto ()->fn_ERR_reason_error_string)
#define EVP_DigestFinal_ex (pier_libcrypto ()->fn_EVP_DigestFinal_ex)
#define EVP_DigestInit_ex (pier_libcrypto ()->fn_EVP_DigestInit_ex)
#define EVP_DigestUpdate (pier_libcrypto ()->fn_EVP_DigestUpdate)
#define EVP_MD_CTX_free (pier_libcrypto ()->fn_EVP_MD_CTX_free)
#define EVP_MD_CTX_new (pier_libcrypto ()->fn_EVP_MD_CTX_new)
#define EVP_MD_fetch (pier_libcrypto ()->fn_EVP_MD_fetch)
#define EVP_PKEY_Q_keygen (pier_libcrypto ()->fn_EVP_PKEY_Q_keygen)
#define EVP_PKEY_free (pier_libcrypto ()->fn_EVP_PKEY_free)
#define EVP_sha256 (pier_libcrypto ()->fn_EVP_sha256)
#define OPENSSL_init_crypto (pier_libcrypto ()->fn_OPENSSL_init_crypto)
#define PEM_read_bio_X509 (pier_libcrypto ()->fn_PEM_read_bio_X509)
#define PEM_write_bio_PrivateKey (pier_libcrypto ()->fn_PEM_write_bio_PrivateKey)
#define PEM_write_bio_X509 (pier_libcrypto ()->fn_PEM_write_bio_X509)
#define X509V3_EXT_conf_nid (pier_libcrypto ()->fn_X509V3_EXT_conf_nid)
#define X509V3_set_ctx (pier_libcrypto ()->fn_X509V3_set_ctx)
#define X509_EXTENSION_free (pier_libcrypto ()->fn_X509_EXTENSION_free)
#define X509_NAME_add_entry_by_txt (pier_libcrypto ()->fn_X509_NAME_add_entry_by_txt)
#define X509_add_ext (pier_libcrypto ()->fn_X509_add_ext)
#define X509_digest (pier_libcrypto ()->fn_X509_digest)
#define X509_free (pier_libcrypto ()->fn_X509_free)
#define X509_get_serialNumber (pier_libcrypto ()->fn_X509_get_serialNumber)
#define X509_get_subject_name (pier_libcrypto ()->fn_X509_get_subject_name)
#define X509_getm_notAfter (pier_libcrypto ()->fn_X509_getm_notAfter)
#define X509_getm_notBefore (pier_libcrypto ()->fn_X509_getm_notBefore)
#define X509_gmtime_adj (pier_libcrypto ()->fn_X509_gmtime_adj)
#define X509_new (pier_libcrypto ()->fn_X509_new)
#define X509_set_issuer_name (pier_libcrypto ()->fn_X509_set_issuer_name)
#define X509_set_pubkey (pier_libcrypto ()->fn_X509_set_pubkey)
#define X509_set_version (pier_libcrypto ()->fn_X509_set_version)
#define X509_sign (pier_libcrypto ()->fn_X509_sign)
