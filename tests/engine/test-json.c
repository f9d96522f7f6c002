/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-json.h"

#include <math.h>
#include <string.h>

/* Text that is not UTF-8 is refused by name, where jansson would leave the member out. */
static void
test_json_refuses_text_it_cannot_hold (void **state)
{
  g_auto (PierJsonWriter) w = { NULL };
  g_autoptr (GError) error = NULL;
  json_t *root = json_object ();
  g_autofree char *out = NULL;

  pier_json_set_text (&w, root, "ok", "café");
  pier_json_set (&w, root, "argv",
                 pier_json_strv (&w, "argv", (const char *const[]){ "rm", "caf\xe9", "x", NULL }));
  pier_json_set_text (&w, root, "later", "\xff");
  out = pier_json_writer_dump (&w, root, JSON_COMPACT, &error);
  assert_null (out);
  pier_assert_error (error, PIER_ERROR_INVALID);
  /* The first failure, named, with its bytes shown. */
  assert_string_equal (error->message, "argv[1] “caf\\xe9” is not valid UTF-8 text");
}

static void
test_json_refuses_member_names_and_numbers (void **state)
{
  const char *const keys[] = { "caf\xe9", NULL };

  for (int i = 0; i < 2; i++)
    {
      g_auto (PierJsonWriter) w = { NULL };
      g_autoptr (GError) error = NULL;
      json_t *root = json_object ();
      g_autofree char *out = NULL;

      if (i == 0)
        pier_json_set (&w, root, keys[0], json_true ());
      else
        pier_json_set (&w, root, "cpus", pier_json_real (&w, "cpus", NAN));
      out = pier_json_writer_dump (&w, root, JSON_COMPACT, &error);
      assert_null (out);
      assert_non_null (strstr (error->message, i == 0 ? "“caf\\xe9”" : "cpus nan"));
    }
}

/* Everything that can be written is written exactly: dumped and read back, the same bytes. */
static void
test_json_writes_what_it_takes (void **state)
{
  g_auto (PierJsonWriter) w = { NULL };
  g_autoptr (GError) error = NULL;
  const char *text = "a\tb\nc \"d\" \\ é ✓ \x7f";
  json_t *root = json_object ();
  g_autofree char *out = NULL;
  json_t *back;

  pier_json_set_text (&w, root, "text", text);
  pier_json_set_text (&w, root, "absent", NULL);
  pier_json_set (&w, root, "none", pier_json_strv (&w, "none", NULL));
  out = pier_json_writer_dump (&w, root, JSON_COMPACT, &error);
  pier_assert_no_error (error);
  back = json_loads (out, 0, NULL);
  assert_string_equal (json_string_value (json_object_get (back, "text")), text);
  assert_null (json_object_get (back, "absent"));
  assert_int_equal (json_array_size (json_object_get (back, "none")), 0);
  json_decref (back);
}

/* What is only shown (a process's command line) stays visible, never NULL. */
static void
test_json_shows_any_bytes (void **state)
{
  json_t *shown = pier_json_shown_text ("sleep \xff\xfe 1");

  assert_non_null (shown);
  assert_string_equal (json_string_value (shown), "sleep \xef\xbf\xbd\xef\xbf\xbd 1");
  json_decref (shown);
}

static void
test_json_error_quote (void **state)
{
  g_autofree char *long_text = g_strnfill (300, 'a');
  g_autofree char *quoted = pier_error_quote ("a\nb\t\\ é\x01\xe9\xc3");
  g_autofree char *cut = pier_error_quote (long_text);

  assert_string_equal (quoted, "“a\\nb\\t\\\\ é\\x01\\xe9\\xc3”");
  assert_true (g_str_has_suffix (cut, "a…”"));
  assert_int_equal (g_utf8_strlen (cut, -1), 200 + 3);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_json_refuses_text_it_cannot_hold),
    cmocka_unit_test (test_json_refuses_member_names_and_numbers),
    cmocka_unit_test (test_json_writes_what_it_takes),
    cmocka_unit_test (test_json_shows_any_bytes),
    cmocka_unit_test (test_json_error_quote),
  };
  return cmocka_run_group_tests_name ("json", tests, NULL, NULL);
}
