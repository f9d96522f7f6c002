/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-tls.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-libcrypto.h"
#include "pier-fsutil.h"

#include <fcntl.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_EXTENSION, X509_EXTENSION_free)

/* Certificates for a container's RDP server: ten years, so that a long-lived container never
 * stops connecting because its certificate expired. */
#define PIER_TLS_VALIDITY_SECONDS (10L * 365 * 24 * 3600)

/* The innermost reason OpenSSL queued, for messages; empties OpenSSL's error queue. */
static const char *
openssl_reason (void)
{
  unsigned long code = ERR_get_error ();
  unsigned long next;
  const char *reason;

  while ((next = ERR_get_error ()) != 0)
    code = next;
  reason = code != 0 ? ERR_reason_error_string (code) : NULL;
  return reason != NULL ? reason : "unknown OpenSSL error";
}

char *
pier_tls_certificate_fingerprint_from_pem (const char *pem, gsize len, GError **error)
{
  g_autoptr (BIO) bio = NULL;
  g_autoptr (X509) cert = NULL;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  GString *out;

  if (len > G_MAXINT)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("certificate is too large"));
      return NULL;
    }
  bio = BIO_new_mem_buf (pem, (int) len);
  cert = bio != NULL ? PEM_read_bio_X509 (bio, NULL, NULL, NULL) : NULL;
  if (cert == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("not a PEM certificate: %s"),
                   openssl_reason ());
      return NULL;
    }
  if (X509_digest (cert, EVP_sha256 (), md, &md_len) != 1)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("hashing the certificate: %s"),
                   openssl_reason ());
      return NULL;
    }
  out = g_string_sized_new (PIER_TLS_FINGERPRINT_LEN);
  g_string_append (out, PIER_TLS_FINGERPRINT_PREFIX);
  for (unsigned int i = 0; i < md_len; i++)
    g_string_append_printf (out, i == 0 ? "%02x" : ":%02x", md[i]);
  return g_string_free (out, FALSE);
}

char *
pier_tls_certificate_fingerprint (const char *pem_path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  char *fingerprint;

  /* g_file_get_contents opens with O_CLOEXEC. */
  if (!g_file_get_contents (pem_path, &data, &len, error))
    return NULL;
  fingerprint = pier_tls_certificate_fingerprint_from_pem (data, len, error);
  if (fingerprint == NULL)
    g_prefix_error (error, "%s: ", pem_path);
  return fingerprint;
}

char *
pier_tls_fingerprint_normalize (const char *fingerprint, GError **error)
{
  const gsize prefix_len = strlen (PIER_TLS_FINGERPRINT_PREFIX);
  g_autofree char *lower = g_ascii_strdown (fingerprint, -1);

  if (!g_str_has_prefix (lower, PIER_TLS_FINGERPRINT_PREFIX))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("fingerprint “%s” does not start with “%s”"), fingerprint,
                   PIER_TLS_FINGERPRINT_PREFIX);
      return NULL;
    }
  if (strlen (lower) != PIER_TLS_FINGERPRINT_LEN)
    goto bad_shape;
  for (gsize i = prefix_len; lower[i] != '\0'; i++)
    {
      gboolean colon_place = (i - prefix_len) % 3 == 2;

      if (colon_place ? lower[i] != ':' : !g_ascii_isxdigit (lower[i]))
        goto bad_shape;
    }
  return g_steal_pointer (&lower);

bad_shape:
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("fingerprint “%s” is not 32 hex pairs separated by colons after “%s”"), fingerprint,
               PIER_TLS_FINGERPRINT_PREFIX);
  return NULL;
}

static gboolean
add_extension (X509 *cert, int nid, const char *value, GError **error)
{
  X509V3_CTX ctx;
  g_autoptr (X509_EXTENSION) ext = NULL;

  X509V3_set_ctx (&ctx, cert, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  if (ext == NULL || X509_add_ext (cert, ext, -1) != 1)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("adding “%s” to the certificate: %s"),
                   value, openssl_reason ());
      return FALSE;
    }
  return TRUE;
}

static X509 *
make_certificate (EVP_PKEY *key, const char *common_name, GError **error)
{
  g_autoptr (X509) cert = X509_new ();
  g_autoptr (BIGNUM) serial = BN_new ();
  g_autofree char *san = g_strdup_printf ("DNS:%s", common_name);
  X509_NAME *name;

  /* A random positive 63-bit serial: certificates made for one name never share one. */
  if (cert == NULL || serial == NULL || BN_rand (serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1
      || BN_to_ASN1_INTEGER (serial, X509_get_serialNumber (cert)) == NULL
      || X509_set_version (cert, 2) != 1
      || X509_gmtime_adj (X509_getm_notBefore (cert), 0) == NULL
      || X509_gmtime_adj (X509_getm_notAfter (cert), PIER_TLS_VALIDITY_SECONDS) == NULL
      || X509_set_pubkey (cert, key) != 1)
    goto openssl_failed;

  name = X509_get_subject_name (cert);
  if (X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) common_name,
                                  -1, -1, 0) != 1
      || X509_set_issuer_name (cert, name) != 1)
    goto openssl_failed;

  if (!add_extension (cert, NID_basic_constraints, "critical,CA:FALSE", error)
      || !add_extension (cert, NID_key_usage, "critical,digitalSignature,keyEncipherment", error)
      || !add_extension (cert, NID_ext_key_usage, "serverAuth", error)
      || !add_extension (cert, NID_subject_alt_name, san, error))
    return NULL;

  if (X509_sign (cert, key, EVP_sha256 ()) == 0)
    goto openssl_failed;
  return g_steal_pointer (&cert);

openssl_failed:
  g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("making a certificate for “%s”: %s"),
               common_name, openssl_reason ());
  return NULL;
}

/* Copies what @bio holds into @path (atomically, with @mode). */
static gboolean
write_bio_to (BIO *bio, const char *path, mode_t mode, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  pier_autofd int dirfd = pier_fs_open_dir_at (AT_FDCWD, dir, error);
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);

  if (dirfd < 0)
    return FALSE;
  return pier_fs_write_atomic_at (dirfd, base, data, (gsize) len, mode, error);
}

gboolean
pier_tls_make_self_signed (const char *key_path, const char *cert_path, const char *common_name,
                           GError **error)
{
  g_autoptr (EVP_PKEY) key = EVP_RSA_gen (2048);
  g_autoptr (X509) cert = NULL;
  g_autoptr (BIO) key_pem = BIO_new (BIO_s_mem ());
  g_autoptr (BIO) cert_pem = BIO_new (BIO_s_mem ());

  if (key == NULL || key_pem == NULL || cert_pem == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("making an RSA key: %s"),
                   openssl_reason ());
      return FALSE;
    }
  cert = make_certificate (key, common_name, error);
  if (cert == NULL)
    return FALSE;
  if (PEM_write_bio_PrivateKey (key_pem, key, NULL, NULL, 0, NULL, NULL) != 1
      || PEM_write_bio_X509 (cert_pem, cert) != 1)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("encoding the key and certificate: %s"),
                   openssl_reason ());
      return FALSE;
    }
  if (!write_bio_to (key_pem, key_path, 0600, error))
    return FALSE;
  return write_bio_to (cert_pem, cert_path, 0644, error);
}
