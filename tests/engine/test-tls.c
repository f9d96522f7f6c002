/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-tls.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

typedef struct {
  char *dir;
  char *key;
  char *cert;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->dir = pier_test_mkdtemp ();
  f->key = g_build_filename (f->dir, "key.pem", NULL);
  f->cert = g_build_filename (f->dir, "cert.pem", NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  pier_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->key);
  g_free (f->cert);
  g_free (f);
  return 0;
}

/* SHA-256 over the DER encoding, computed here with a path of its own (i2d + EVP_Digest). */
static char *
reference_fingerprint (const char *cert_path)
{
  FILE *file = fopen (cert_path, "re");
  X509 *cert;
  unsigned char *der = NULL;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  int der_len;
  GString *out = g_string_new ("sha256:");

  assert_non_null (file);
  cert = PEM_read_X509 (file, NULL, NULL, NULL);
  fclose (file);
  assert_non_null (cert);
  der_len = i2d_X509 (cert, &der);
  assert_true (der_len > 0);
  assert_int_equal (EVP_Digest (der, (size_t) der_len, md, &md_len, EVP_sha256 (), NULL), 1);
  for (unsigned int i = 0; i < md_len; i++)
    g_string_append_printf (out, i == 0 ? "%02x" : ":%02x", md[i]);
  OPENSSL_free (der);
  X509_free (cert);
  return g_string_free (out, FALSE);
}

static void
test_tls_make_self_signed_key_is_private (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  struct stat st;

  assert_true (pier_tls_make_self_signed (f->key, f->cert, "container-1", &error));
  pier_assert_no_error (error);
  assert_int_equal (stat (f->key, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0600);
  assert_int_equal (stat (f->cert, &st), 0);
  assert_true (S_ISREG (st.st_mode));
}

static void
test_tls_make_self_signed_certificate_names_and_matches_key (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  FILE *file;
  X509 *cert;
  EVP_PKEY *key;
  char cn[64] = "";

  assert_true (pier_tls_make_self_signed (f->key, f->cert, "container-1", &error));
  file = fopen (f->cert, "re");
  cert = PEM_read_X509 (file, NULL, NULL, NULL);
  fclose (file);
  file = fopen (f->key, "re");
  key = PEM_read_PrivateKey (file, NULL, NULL, NULL);
  fclose (file);
  assert_non_null (cert);
  assert_non_null (key);

  X509_NAME_get_text_by_NID (X509_get_subject_name (cert), NID_commonName, cn, sizeof cn);
  assert_string_equal (cn, "container-1");
  assert_int_equal (X509_check_private_key (cert, key), 1);
  assert_int_equal (EVP_PKEY_get_base_id (key), EVP_PKEY_RSA);
  assert_int_equal (EVP_PKEY_get_bits (key), 2048);
  /* Self-signed: its own key verifies it. */
  assert_int_equal (X509_verify (cert, key), 1);
  EVP_PKEY_free (key);
  X509_free (cert);
}

static void
test_tls_make_self_signed_twice_gives_new_certificates (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  assert_true (pier_tls_make_self_signed (f->key, f->cert, "c", &error));
  first = pier_tls_certificate_fingerprint (f->cert, &error);
  assert_true (pier_tls_make_self_signed (f->key, f->cert, "c", &error));
  second = pier_tls_certificate_fingerprint (f->cert, &error);
  pier_assert_no_error (error);
  assert_string_not_equal (first, second);
}

static void
test_tls_certificate_fingerprint_is_sha256_of_der (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *expected = NULL;

  assert_true (pier_tls_make_self_signed (f->key, f->cert, "localhost", &error));
  fingerprint = pier_tls_certificate_fingerprint (f->cert, &error);
  pier_assert_no_error (error);
  expected = reference_fingerprint (f->cert);
  assert_string_equal (fingerprint, expected);
  assert_int_equal (strlen (fingerprint), PIER_TLS_FINGERPRINT_LEN);
}

static void
test_tls_certificate_fingerprint_refuses_a_key (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *fingerprint = NULL;

  assert_true (pier_tls_make_self_signed (f->key, f->cert, "localhost", &error));
  fingerprint = pier_tls_certificate_fingerprint (f->key, &error);
  assert_null (fingerprint);
  pier_assert_error (error, PIER_ERROR_INVALID);
  assert_non_null (strstr (error->message, f->key));
}

static void
test_tls_certificate_fingerprint_missing_file (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *fingerprint = pier_tls_certificate_fingerprint (f->cert, &error);

  assert_null (fingerprint);
  assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
}

static void
test_tls_make_self_signed_missing_directory (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *key = g_build_filename (f->dir, "absent", "key.pem", NULL);

  assert_false (pier_tls_make_self_signed (key, f->cert, "c", &error));
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_false (g_file_test (f->cert, G_FILE_TEST_EXISTS));
}

static void
test_tls_fingerprint_normalize_lowercases (void **state)
{
  g_autoptr (GError) error = NULL;
  const char *upper = "SHA256:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
  g_autofree char *normal = pier_tls_fingerprint_normalize (upper, &error);

  pier_assert_no_error (error);
  assert_string_equal (normal, "sha256:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
                               "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89");
}

static void
test_tls_fingerprint_normalize_refuses_bad_shapes (void **state)
{
  const char *bad[] = {
    "ab:cd",
    "sha1:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01",
    "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
    "sha256:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:"
    "23:45:67:8g",
    "sha256:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:"
    "23:45:67",
    "",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *normal = pier_tls_fingerprint_normalize (bad[i], &error);

      if (normal != NULL)
        fail_msg ("“%s” was accepted", bad[i]);
      pier_assert_error (error, PIER_ERROR_INVALID);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_tls_make_self_signed_key_is_private, setup, teardown),
    cmocka_unit_test_setup_teardown (test_tls_make_self_signed_certificate_names_and_matches_key,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_tls_make_self_signed_twice_gives_new_certificates,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_tls_certificate_fingerprint_is_sha256_of_der, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_tls_certificate_fingerprint_refuses_a_key, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_tls_certificate_fingerprint_missing_file, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_tls_make_self_signed_missing_directory, setup,
                                     teardown),
    cmocka_unit_test (test_tls_fingerprint_normalize_lowercases),
    cmocka_unit_test (test_tls_fingerprint_normalize_refuses_bad_shapes),
  };

  return cmocka_run_group_tests_name ("tls", tests, NULL, NULL);
}
