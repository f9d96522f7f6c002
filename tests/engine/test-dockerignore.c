/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-dockerignore-private.h"
#include "pier-error.h"

#include <string.h>

static PierDockerignore *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  PierDockerignore *ignore = pier_dockerignore_parse (text, strlen (text), &error);

  pier_assert_no_error (error);
  return ignore;
}

static void
assert_excluded (const PierDockerignore *ignore, const char *path, gboolean expected)
{
  if (pier_dockerignore_matches (ignore, path) != expected)
    fail_msg ("“%s” should %sbe excluded", path, expected ? "" : "not ");
}

static void
test_dockerignore_reads_file_syntax (void **state)
{
  g_autoptr (PierDockerignore) ignore =
    parse ("\xEF\xBB\xBF# comment\r\n\n   \n  /node_modules/  \r\n./dist\n#not a pattern\n"
           "docs/../build\n  ! build/keep  \n a//b/ \n");
  const char *const *patterns = pier_dockerignore_get_patterns (ignore);
  const char *const expected[] = { "node_modules", "dist", "build", "!build/keep", "a/b", NULL };

  assert_int_equal (g_strv_length ((char **) patterns), 5);
  for (guint i = 0; expected[i] != NULL; i++)
    assert_string_equal (patterns[i], expected[i]);
  assert_true (pier_dockerignore_has_exclusions (ignore));
}

static void
test_dockerignore_parent_directories_and_exceptions (void **state)
{
  g_autoptr (PierDockerignore) ignore =
    parse ("build\n*.md\n!README.md\n!build/keep/**\ntmp/*\n");

  assert_excluded (ignore, "build", TRUE);
  assert_excluded (ignore, "build/out/app.o", TRUE);
  assert_excluded (ignore, "build/keep/x", FALSE);
  assert_excluded (ignore, "buildx", FALSE);
  assert_excluded (ignore, "NOTES.md", TRUE);
  assert_excluded (ignore, "README.md", FALSE);
  assert_excluded (ignore, "docs/NOTES.md", FALSE);   /* "*" does not cross "/" */
  assert_excluded (ignore, "tmp", FALSE);
  assert_excluded (ignore, "tmp/a", TRUE);
  assert_excluded (ignore, "tmp/a/b", TRUE);          /* its parent tmp/a matches */
  assert_excluded (ignore, "./build/x", TRUE);
  assert_excluded (ignore, "/build/x", TRUE);
  assert_excluded (ignore, ".", FALSE);
  assert_excluded (ignore, "", FALSE);
}

static void
test_dockerignore_double_star (void **state)
{
  g_autoptr (PierDockerignore) ignore = parse ("**/*.pyc\nlogs/**\n**.tmp\nsrc/**/gen\n");
  g_autoptr (PierDockerignore) all = parse ("**\n!keep\n");

  assert_excluded (ignore, "a.pyc", TRUE);
  assert_excluded (ignore, "pkg/sub/a.pyc", TRUE);
  assert_excluded (ignore, "a.py", FALSE);
  assert_excluded (ignore, "logs", FALSE);
  assert_excluded (ignore, "logs/today/x.log", TRUE);
  /* "**" then plain text compares a suffix, as Docker's fast path does. */
  assert_excluded (ignore, "x/y/cache.tmp", TRUE);
  assert_excluded (ignore, "src/gen", TRUE);
  assert_excluded (ignore, "src/a/b/gen/file", TRUE);
  assert_excluded (ignore, "src/agen", FALSE);
  assert_excluded (all, "anything/at/all", TRUE);
  assert_excluded (all, "keep", FALSE);
}

static void
test_dockerignore_wildcards_classes_escapes (void **state)
{
  g_autoptr (PierDockerignore) ignore =
    parse ("file?.txt\n[a-c]*.log\n[^x]y\nlit\\*eral\nb\xC3\xA9t?\n");

  assert_excluded (ignore, "file1.txt", TRUE);
  assert_excluded (ignore, "file12.txt", FALSE);
  assert_excluded (ignore, "file/.txt", FALSE);       /* "?" is never "/" */
  assert_excluded (ignore, "b-x.log", TRUE);
  assert_excluded (ignore, "d.log", FALSE);
  assert_excluded (ignore, "zy", TRUE);
  assert_excluded (ignore, "xy", FALSE);
  assert_excluded (ignore, "lit*eral", TRUE);
  assert_excluded (ignore, "litteral", FALSE);
  assert_excluded (ignore, "b\xC3\xA9t\xC3\xA9", TRUE); /* "?" takes a whole UTF-8 character */
}

static void
test_dockerignore_refuses_bad_patterns (void **state)
{
  const char *const bad[] = { "ok\n[abc\n", "ok\n\nfoo\\\n", "!\n", "x\n[]\n", "[a-]\n" };
  const char *const lines[] = { ".dockerignore:2:", ".dockerignore:3:", ".dockerignore:1:",
                                ".dockerignore:2:", ".dockerignore:1:" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PierDockerignore) ignore = pier_dockerignore_parse (bad[i], strlen (bad[i]),
                                                                     &error);

      assert_null (ignore);
      pier_assert_error (error, PIER_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, lines[i]))
        fail_msg ("pattern %u: “%s” should start with %s", i, error->message, lines[i]);
    }
}

static void
test_dockerignore_from_list (void **state)
{
  const char *const patterns[] = { " *.o ", "!keep.o", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (PierDockerignore) ignore = pier_dockerignore_new (patterns, &error);

  pier_assert_no_error (error);
  assert_excluded (ignore, "a.o", TRUE);
  assert_excluded (ignore, "keep.o", FALSE);
}

/* Star backtracking is bounded: a hostile pattern on a long name finishes at once. */
static void
test_dockerignore_pathological_pattern_is_fast (void **state)
{
  g_autoptr (PierDockerignore) ignore = parse ("*a*a*a*a*a*a*a*a*a*a*a*a*b\n**/**/**/**/**/c\n");
  g_autofree char *name = g_strnfill (4000, 'a');
  g_autofree char *deep = g_strjoinv ("/", (char *[]) { "x", "x", "x", "x", "x", "x", "x", "x",
                                                         "x", "x", "x", "x", "d", NULL });
  gint64 start = g_get_monotonic_time ();

  assert_excluded (ignore, name, FALSE);
  assert_excluded (ignore, deep, FALSE);
  assert_true (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_dockerignore_reads_file_syntax),
    cmocka_unit_test (test_dockerignore_parent_directories_and_exceptions),
    cmocka_unit_test (test_dockerignore_double_star),
    cmocka_unit_test (test_dockerignore_wildcards_classes_escapes),
    cmocka_unit_test (test_dockerignore_refuses_bad_patterns),
    cmocka_unit_test (test_dockerignore_from_list),
    cmocka_unit_test (test_dockerignore_pathological_pattern_is_fast),
  };
  return cmocka_run_group_tests_name ("dockerignore", tests, NULL, NULL);
}
