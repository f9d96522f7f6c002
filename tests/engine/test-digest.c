/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-digest.h"
#include "pier-error.h"

#include <string.h>

static void
test_digest_of_known_data (void **state)
{
  g_autofree char *empty = pier_digest_data ("", 0);
  g_autofree char *abc = pier_digest_data ("abc", 3);

  assert_string_equal (empty,
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_string_equal (abc,
      "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_digest_incremental_equals_whole (void **state)
{
  g_autoptr (PierHasher) hasher = pier_hasher_new ();
  g_autofree char *whole = NULL;
  g_autofree char *pieces = NULL;
  g_autofree guint8 *data = g_malloc (1 << 20);

  for (gsize i = 0; i < (1 << 20); i++)
    data[i] = (guint8) (i * 7 + 3);
  whole = pier_digest_data (data, 1 << 20);
  for (gsize off = 0; off < (1 << 20); off += 4099)
    pier_hasher_update (hasher, data + off, MIN (4099, (1 << 20) - off));
  pieces = pier_hasher_finish (hasher);
  assert_string_equal (whole, pieces);
}

static void
test_digest_validation (void **state)
{
  const char *good = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  g_autoptr (GError) error = NULL;
  g_autofree char *short_id = pier_digest_short (good);

  assert_true (pier_digest_is_valid (good));
  assert_false (pier_digest_is_valid ("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  assert_false (pier_digest_is_valid ("sha256:e3b0"));
  assert_false (pier_digest_is_valid ("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  assert_false (pier_digest_is_valid ("sha256:../../../../etc/passwd00000000000000000000000000000000000000000"));
  assert_false (pier_digest_is_valid (NULL));
  assert_false (pier_digest_validate ("sha256:zz", &error));
  pier_assert_error (error, PIER_ERROR_INVALID);
  assert_string_equal (short_id, "e3b0c44298fc");
  assert_string_equal (pier_digest_hex (good), good + 7);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_digest_of_known_data),
    cmocka_unit_test (test_digest_incremental_equals_whole),
    cmocka_unit_test (test_digest_validation),
  };
  return cmocka_run_group_tests_name ("digest", tests, NULL, NULL);
}
