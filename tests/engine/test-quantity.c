/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-quantity.h"

#include <string.h>

#define MAX_SIZE ((guint64) G_MAXINT64)

static void
test_quantity_sizes (void **state)
{
  const struct {
    const char *text;
    guint64 bytes;
  } good[] = {
    { "0", 0 },
    { "1048576", 1048576 },
    { "512m", 512ull << 20 },
    { "512M", 512ull << 20 },
    { "512mb", 512ull << 20 },
    { "512MiB", 512ull << 20 },
    { "1.5g", 3ull << 29 },
    { "0.5k", 512 },
    { "1.5", 1 },            /* whole bytes, rounded down */
    { "0.000000001p", 1125899 },
    { "2kb", 2048 },
    { "7b", 7 },
    { "8191p", 8191ull << 50 },
    { "9223372036854775807", MAX_SIZE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      guint64 bytes = 1;
      if (!pier_quantity_parse_size ("--memory", good[i].text, MAX_SIZE, &bytes, &error))
        fail_msg ("%s: %s", good[i].text, error->message);
      if (bytes != good[i].bytes)
        fail_msg ("%s: %" G_GUINT64_FORMAT " bytes, expected %" G_GUINT64_FORMAT,
                  good[i].text, bytes, good[i].bytes);
    }
}

/* The values the issue found read as "no limit", and every other shape strtod or strtoull
 * would have taken: each refused, naming the flag and the text. */
static void
test_quantity_refuses_sizes (void **state)
{
  const char *const bad[] = {
    "1e30", "99999999999999999999", "17179869184g", "8192p", "9223372036854775808", "-1", "+1",
    " 5m", "5m ", "5 m", "", "m", ".5", "5.", "0x10", "nan", "inf", "5mx", "5q", "5bb", "5gibb",
    "1.0000000001g", "18446744073709551616",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *quoted = pier_error_quote (bad[i]);
      guint64 bytes = 42;

      if (pier_quantity_parse_size ("--memory", bad[i], MAX_SIZE, &bytes, &error))
        fail_msg ("“%s” was taken as %" G_GUINT64_FORMAT " bytes", bad[i], bytes);
      pier_assert_error (error, PIER_ERROR_INVALID);
      assert_non_null (strstr (error->message, "--memory"));
      assert_non_null (strstr (error->message, quoted));
      assert_int_equal (bytes, 42);
    }
}

/* A fraction never adds more than the maximum allows. */
static void
test_quantity_size_fraction_at_the_limit (void **state)
{
  g_autoptr (GError) error = NULL;
  guint64 bytes = 0;

  assert_false (pier_quantity_parse_size ("size", "0.5g", 100, &bytes, &error));
  g_clear_error (&error);
  assert_true (pier_quantity_parse_size ("size", "0.5k", 512, &bytes, &error));
  assert_int_equal (bytes, 512);
}

static void
test_quantity_decimals (void **state)
{
  const char *const bad[] = { "nan", "NaN", "inf", "-inf", "-1", "1e2", "0x1p-1", " 1", "1 ",
                              "", ".5", "1.", "0.001", "1025", "0.1234567891",
                              "99999999999999999999999" };
  double cpus = 0;

  assert_true (pier_quantity_parse_decimal ("--cpus", "0.5", 0.01, 1024, &cpus, NULL));
  assert_true (cpus == 0.5);
  assert_true (pier_quantity_parse_decimal ("--cpus", "1024", 0.01, 1024, &cpus, NULL));
  assert_true (pier_quantity_parse_decimal ("--cpus", "0.01", 0.01, 1024, &cpus, NULL));
  assert_true (pier_quantity_parse_decimal ("--cpus", "0.123456789", 0.01, 1024, &cpus, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      cpus = 7;
      if (pier_quantity_parse_decimal ("--cpus", bad[i], 0.01, 1024, &cpus, &error))
        fail_msg ("“%s” was taken as %g", bad[i], cpus);
      assert_non_null (strstr (error->message, "--cpus"));
      assert_true (cpus == 7);
    }
}

static void
test_quantity_counts (void **state)
{
  const char *const bad[] = { "-1", "010x", "1.0", "", " 1", "0x10", "2147484",
                              "99999999999999999999999" };
  guint64 n = 0;

  assert_true (pier_quantity_parse_count ("--time", "0", 0, 2147483, &n, NULL));
  assert_int_equal (n, 0);
  /* Decimal, not octal as GOption's integers read it. */
  assert_true (pier_quantity_parse_count ("--time", "010", 0, 2147483, &n, NULL));
  assert_int_equal (n, 10);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      if (pier_quantity_parse_count ("--time", bad[i], 0, 2147483, &n, &error))
        fail_msg ("“%s” was taken as %" G_GUINT64_FORMAT, bad[i], n);
      assert_non_null (strstr (error->message, "--time"));
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_quantity_sizes),
    cmocka_unit_test (test_quantity_refuses_sizes),
    cmocka_unit_test (test_quantity_size_fraction_at_the_limit),
    cmocka_unit_test (test_quantity_decimals),
    cmocka_unit_test (test_quantity_counts),
  };
  return cmocka_run_group_tests_name ("quantity", tests, NULL, NULL);
}
