/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-shell-words.h"

#include <string.h>

/* The environment BuildKit's lexer tests use for envVarTest. */
static GHashTable *
vector_env (void)
{
  GHashTable *env = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (env, "PWD", "/home");
  g_hash_table_insert (env, "SHELL", "bash");
  g_hash_table_insert (env, "KOREAN", "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4");
  g_hash_table_insert (env, "NULL", "");
  return env;
}

/* Windows looks names up without regard to case: the "W" vectors ($pwd is $PWD). */
static gboolean
lookup_ignoring_case (const char *name, const char **value, gpointer table)
{
  GHashTableIter iter;
  gpointer k, v;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &k, &v))
    if (g_ascii_strcasecmp (k, name) == 0)
      {
        *value = v;
        return TRUE;
      }
  return FALSE;
}

static char *
run_vector (const char *source, PierShellLookupFunc lookup, GHashTable *env, gboolean *ok)
{
  g_autoptr (GError) error = NULL;
  char *result = pier_shell_expand_word (source, '\\', PIER_SHELL_WORDS_DEFAULT, lookup, env,
                                         &error);

  *ok = result != NULL;
  if (result == NULL)
    {
      g_assert (error != NULL && error->domain == PIER_ERROR);
      return g_strdup ("error");
    }
  return result;
}

/* envVarTest: "PLATFORM|input|expected" lines, "#" comments; A = all platforms, U = Unix,
 * W = Windows (case-insensitive names); "error" means the input must be refused. */
static void
test_shell_words_buildkit_env_var_vectors (void **state)
{
  PIER_TEST_REQUIRE_TESTDATA (path, "buildkit/frontend/dockerfile/shell/envVarTest");
  g_autoptr (GHashTable) env = vector_env ();
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) failures = g_string_new (NULL);
  guint run = 0, lineno = 0;

  assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      g_auto (GStrv) fields = NULL;
      g_autofree char *line = g_strstrip (g_strdup (*l));
      const char *platform, *source, *expected;

      lineno++;
      if ((*l)[0] == '#' || *line == '\0')
        continue;
      fields = g_strsplit (line, "|", -1);
      assert_int_equal (g_strv_length (fields), 3);
      platform = g_strstrip (fields[0]);
      source = g_strstrip (fields[1]);
      expected = g_strstrip (fields[2]);
      assert_true (strcmp (platform, "A") == 0 || strcmp (platform, "U") == 0
                   || strcmp (platform, "W") == 0);

      for (int mode = 0; mode < 2; mode++)
        {
          gboolean windows = mode == 1;
          g_autofree char *got = NULL;
          gboolean ok;

          if ((windows && platform[0] == 'U') || (!windows && platform[0] == 'W'))
            continue;
          got = run_vector (source, windows ? lookup_ignoring_case : pier_shell_lookup_hash_table,
                            env, &ok);
          run++;
          if (strcmp (got, expected) != 0)
            g_string_append_printf (failures, "  line %u (%s): %s → “%s”, expected “%s”\n",
                                    lineno, windows ? "Windows names" : "Unix names", source,
                                    got, expected);
        }
    }
  if (failures->len > 0)
    fail_msg ("envVarTest mismatches:\n%s", failures->str);
  /* 234 vectors, A lines run twice: a truncated or missing file must not pass quietly. */
  assert_true (run >= 400);
}

static char *
expand (const char *word, GHashTable *env, PierShellWordsFlags flags)
{
  g_autoptr (GError) error = NULL;
  char *result = pier_shell_expand_word (word, '\\', flags, pier_shell_lookup_hash_table, env,
                                         &error);

  pier_assert_no_error (error);
  return result;
}

static void
assert_expands (GHashTable *env, const char *word, const char *expected)
{
  g_autofree char *got = expand (word, env, PIER_SHELL_WORDS_DEFAULT);

  if (strcmp (got, expected) != 0)
    fail_msg ("%s → “%s”, expected “%s”", word, got, expected);
}

/* The pattern operators, from BuildKit's lexer tests (not in envVarTest). */
static void
test_shell_words_pattern_operators (void **state)
{
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  char *bad;

  g_hash_table_insert (env, "FOO", "xxyy");
  g_hash_table_insert (env, "BAR", "x");
  g_hash_table_insert (env, "EMPTY", "");
  assert_expands (env, "${FOO#*x*y}", "y");
  assert_expands (env, "${FOO#*}", "xxyy");
  assert_expands (env, "${FOO#$BAR}", "xyy");
  assert_expands (env, "${FOO#$EMPTY}", "xxyy");
  assert_expands (env, "${FOO##*x}", "yy");
  assert_expands (env, "${FOO##}", "xxyy");
  assert_expands (env, "${FOO%y}", "xxy");
  assert_expands (env, "${FOO%%y*}", "xx");
  assert_expands (env, "${FOO%}", "xxyy");
  assert_expands (env, "${ABC:-.}${FOO%x}${ABC:-.}", ".xxyy.");
  assert_expands (env, "${FOO/$EMPTY/ww}", "wwxxyy");
  assert_expands (env, "${FOO///}", "xxyy");
  assert_expands (env, "${UNSET///}", "");

  g_hash_table_insert (env, "FOO", "()[]{}^$.*?|\\x");
  assert_expands (env, "${FOO#()[]{\\}^$.\\*\\?|\\\\}", "x");
  g_hash_table_insert (env, "FOO", "a***yy*");
  assert_expands (env, "${FOO%%\\**\\*}", "a");
  g_hash_table_insert (env, "FOO", "???y");
  assert_expands (env, "${FOO#?\\?}", "?y");
  g_hash_table_insert (env, "FOO", "/foo*/*/*.txt");
  g_hash_table_insert (env, "NEEDLE", "\\*/");
  assert_expands (env, "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", "/foo.*/*.txt - /foo..*.txt");
  g_hash_table_insert (env, "FOO", "/a/foo/b/c.txt");
  g_hash_table_insert (env, "NEEDLE", "/?/");
  assert_expands (env, "${FOO/$NEEDLE/\\/} - ${FOO//$NEEDLE//}", "\\/foo/b/c.txt - /foo/c.txt");
  g_hash_table_insert (env, "FOO", "/tmp/foo.txt");
  assert_expands (env, "${FOO//\\//\\/}", "\\/tmp\\/foo.txt");

  bad = pier_shell_expand_word ("${FOO//ww}", '\\', 0, pier_shell_lookup_hash_table, env,
                                &error);
  assert_null (bad);
  assert_non_null (strstr (error->message, "missing '/'"));
  g_clear_error (&error);
  bad = pier_shell_expand_word ("${FOO#\\x}", '\\', 0, pier_shell_lookup_hash_table, env,
                                &error);
  assert_null (bad);
  pier_assert_error (error, PIER_ERROR_INVALID);
  assert_non_null (strstr (error->message, "invalid escape"));
}

static void
test_shell_words_required_variables (void **state)
{
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  char *result;

  g_hash_table_insert (env, "ARG", "x");
  result = pier_shell_expand_word ("${VAR:?message here$ARG}", '\\', 0,
                                   pier_shell_lookup_hash_table, env, &error);
  assert_null (result);
  assert_non_null (strstr (error->message, "VAR: message herex"));
  g_clear_error (&error);
  g_hash_table_insert (env, "VAR", "");
  result = pier_shell_expand_word ("${VAR?message}", '\\', 0, pier_shell_lookup_hash_table, env,
                                   &error);
  pier_assert_no_error (error);
  assert_string_equal (result, "");
  g_free (result);
  result = pier_shell_expand_word ("${VAR:?}", '\\', 0, pier_shell_lookup_hash_table, env,
                                   &error);
  assert_null (result);
  assert_non_null (strstr (error->message, "VAR: is not allowed to be empty"));
}

static void
assert_words (char **words, const char *const *expected)
{
  guint n = g_strv_length (words);

  if (n != g_strv_length ((char **) expected))
    fail_msg ("got %u words, expected %u", n, g_strv_length ((char **) expected));
  for (guint i = 0; i < n; i++)
    assert_string_equal (words[i], expected[i]);
}

static void
test_shell_words_splits_after_expansion (void **state)
{
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto (GStrv) words = NULL;
  g_auto (GStrv) quoted = NULL;
  g_auto (GStrv) heredoc = NULL;
  const char *const expected[] = { "a", "b c", "1", "2", "x y", NULL };
  const char *const expected_quoted[] = { "one", NULL };
  const char *const expected_heredoc[] = { "cat", "<< EOF", ">", "out", NULL };

  g_hash_table_insert (env, "X", "1 2");
  words = pier_shell_expand_words ("a \"b c\" $X x\\ y", '\\', 0, pier_shell_lookup_hash_table,
                                   env, NULL);
  assert_words (words, expected);
  /* An empty quoted word adds nothing, as in BuildKit. */
  quoted = pier_shell_expand_words ("one ''", '\\', 0, NULL, NULL, NULL);
  assert_words (quoted, expected_quoted);
  /* "<<" keeps the blanks after it: "<< EOF" is one heredoc word. */
  heredoc = pier_shell_expand_words ("cat << EOF > out", '\\', 0, NULL, NULL, NULL);
  assert_words (heredoc, expected_heredoc);
}

static void
test_shell_words_flags_and_backtick_escape (void **state)
{
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *backtick = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *unset = NULL;
  g_autofree char *body = NULL;

  g_hash_table_insert (env, "HOME", "/root");
  backtick = pier_shell_expand_word ("C:`\\dir `$HOME \\path", '`', 0,
                                     pier_shell_lookup_hash_table, env, NULL);
  assert_string_equal (backtick, "C:\\dir $HOME \\path");
  raw = expand ("'a' \"b\" \\c", env, PIER_SHELL_WORDS_RAW_QUOTES | PIER_SHELL_WORDS_RAW_ESCAPES);
  assert_string_equal (raw, "'a' \"b\" \\c");
  unset = expand ("$HOME $NOPE ${NOPE} ${NOPE:-x}", env, PIER_SHELL_WORDS_SKIP_UNSET);
  assert_string_equal (unset, "/root $NOPE ${NOPE} ${NOPE:-x}");
  body = expand ("it's \"$HOME\"\n", env, PIER_SHELL_WORDS_NO_QUOTES);
  assert_string_equal (body, "it's \"/root\"\n");
}

static void
test_shell_words_space_length (void **state)
{
  const char *nbsp = "\xC2\xA0x";
  const char *ideographic = "\xE3\x80\x80";
  const char *letter = "\xC3\xA9";

  assert_int_equal (pier_shell_space_length (" x", " x" + 2), 1);
  assert_int_equal (pier_shell_space_length (nbsp, nbsp + 3), 2);
  assert_int_equal (pier_shell_space_length (ideographic, ideographic + 3), 3);
  assert_int_equal (pier_shell_space_length (letter, letter + 2), 0);
  assert_int_equal (pier_shell_space_length ("\xC2", "\xC2" + 1), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_shell_words_buildkit_env_var_vectors),
    cmocka_unit_test (test_shell_words_pattern_operators),
    cmocka_unit_test (test_shell_words_required_variables),
    cmocka_unit_test (test_shell_words_splits_after_expansion),
    cmocka_unit_test (test_shell_words_flags_and_backtick_escape),
    cmocka_unit_test (test_shell_words_space_length),
  };
  return cmocka_run_group_tests_name ("shell-words", tests, NULL, NULL);
}
