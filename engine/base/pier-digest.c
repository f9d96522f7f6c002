/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-digest.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-libcrypto.h"

#include <string.h>

/* Small documents (manifests, configs, index entries) are hashed with GLib's SHA-256 from a
 * buffer, so that reading an image, as every `pierctl run` does, never loads libcrypto (7 ms);
 * past SMALL bytes the buffer goes to OpenSSL's SHA-256, several times faster on hardware with
 * SHA extensions, for layers. */
#define SMALL (64 * 1024)

struct _PierHasher {
  EVP_MD_CTX *ctx; /* NULL while the data fits in small */
  gsize small_len;
  guint8 small[SMALL];
};

/* Fetched once: OpenSSL's default start-up reads openssl.cnf and looks the algorithm up by
 * name on each init. Code that needs the configuration (TLS) loads it itself. */
static const EVP_MD *
sha256 (void)
{
  static gsize md;

  if (g_once_init_enter (&md))
    {
      OPENSSL_init_crypto (OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
      g_once_init_leave (&md, (gsize) EVP_MD_fetch (NULL, "SHA256", NULL));
    }
  return (const EVP_MD *) md;
}

PierHasher *
pier_hasher_new (void)
{
  return g_new0 (PierHasher, 1);
}

void
pier_hasher_update (PierHasher *hasher, const void *data, gsize len)
{
  if (hasher->ctx == NULL && hasher->small_len + len <= SMALL)
    {
      memcpy (hasher->small + hasher->small_len, data, len);
      hasher->small_len += len;
      return;
    }
  if (hasher->ctx == NULL)
    {
      hasher->ctx = EVP_MD_CTX_new ();
      if (hasher->ctx == NULL || sha256 () == NULL
          || EVP_DigestInit_ex (hasher->ctx, sha256 (), NULL) != 1)
        g_error (_("OpenSSL cannot initialise SHA-256"));
      EVP_DigestUpdate (hasher->ctx, hasher->small, hasher->small_len);
    }
  EVP_DigestUpdate (hasher->ctx, data, len);
}

char *
pier_hasher_finish (PierHasher *hasher)
{
  g_autofree char *hex = NULL;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  GString *out;

  if (hasher->ctx == NULL)
    {
      hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, hasher->small, hasher->small_len);
      return g_strconcat (PIER_DIGEST_PREFIX, hex, NULL);
    }
  out = g_string_sized_new (PIER_DIGEST_LEN);
  EVP_DigestFinal_ex (hasher->ctx, md, &md_len);
  g_string_append (out, PIER_DIGEST_PREFIX);
  for (unsigned int i = 0; i < md_len; i++)
    g_string_append_printf (out, "%02x", md[i]);
  return g_string_free (out, FALSE);
}

void
pier_hasher_free (PierHasher *hasher)
{
  if (hasher == NULL)
    return;
  if (hasher->ctx != NULL)
    EVP_MD_CTX_free (hasher->ctx);
  g_free (hasher);
}

char *
pier_digest_data (const void *data, gsize len)
{
  g_autoptr (PierHasher) hasher = pier_hasher_new ();

  pier_hasher_update (hasher, data, len);
  return pier_hasher_finish (hasher);
}

gboolean
pier_digest_is_valid (const char *digest)
{
  if (digest == NULL || !g_str_has_prefix (digest, PIER_DIGEST_PREFIX))
    return FALSE;
  digest += strlen (PIER_DIGEST_PREFIX);
  for (int i = 0; i < PIER_DIGEST_HEX_LEN; i++)
    if (!g_ascii_isxdigit (digest[i]) || g_ascii_isupper (digest[i]))
      return FALSE;
  return digest[PIER_DIGEST_HEX_LEN] == '\0';
}

gboolean
pier_digest_validate (const char *digest, GError **error)
{
  if (pier_digest_is_valid (digest))
    return TRUE;
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("“%s” is not a sha256 digest (sha256: and 64 lowercase hex digits)"),
               digest ? digest : "");
  return FALSE;
}

const char *
pier_digest_hex (const char *digest)
{
  return digest + strlen (PIER_DIGEST_PREFIX);
}

char *
pier_digest_short (const char *digest)
{
  return g_strndup (pier_digest_hex (digest), 12);
}
