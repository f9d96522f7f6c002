/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-toml.h"

#include <string.h>

/* Each key as "a.b.c=value" ("a.b.c" alone for a value that is not a string), one a line. */
static void
collect (const char *const *path, const char *value, gpointer user_data)
{
  GString *out = user_data;
  g_autofree char *joined = g_strjoinv ("|", (char **) path);

  g_string_append_printf (out, "%s%s%s\n", joined, value != NULL ? "=" : "",
                          value != NULL ? value : "");
}

static char *
read_all (const char *text, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (!pier_toml_read (text, strlen (text), collect, out, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* What `podman system connection add` writes, with what containers.conf holds around it. */
static void
test_toml_podman_destinations (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *got = read_all (
      "# comment\n[containers]\n  volumes = [\n    \"/a:/b\", # [not a header]\n"
      "    \"/c:/d\",\n  ]\n  log_size_max = -1\n  env = {a = \"b\", c = [1, [2]]}\n\n"
      "[engine]\n  active_service = \"myssh\"\n  [engine.service_destinations]\n"
      "    [engine.service_destinations.myssh]\n"
      "      uri = \"ssh://core@127.0.0.1:2222/run/podman/podman.sock\"\n"
      "      identity = '/tmp/k ey'\n"
      "    [engine.service_destinations.\"a.b c\"]\r\n      uri = 5 # not a string\r\n"
      "[[engine.list]]\nx.y = \"z\"\n",
      &error);

  assert_null (error);
  assert_string_equal (got,
                       "containers|volumes\ncontainers|log_size_max\ncontainers|env\n"
                       "engine|active_service=myssh\n"
                       "engine|service_destinations|myssh|uri="
                       "ssh://core@127.0.0.1:2222/run/podman/podman.sock\n"
                       "engine|service_destinations|myssh|identity=/tmp/k ey\n"
                       "engine|service_destinations|a.b c|uri\n"
                       "engine|list|x|y=z\n");
}

static void
test_toml_strings (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *got = read_all (
      "a = \"t\\tq\\\"\\u00e9\\U0001F600\"\nb = \"\"\"\nline\\\n   joined\"\"\"\"\n"
      "c = '''\nraw\\n'''\n\"\" = \"empty key\"\n",
      &error);

  assert_null (error);
  assert_string_equal (got, "a=t\tq\"\xc3\xa9\xf0\x9f\x98\x80\nb=linejoined\"\nc=raw\\n\n"
                            "=empty key\n");
}

/* Text that is not TOML: an error naming the line, never a crash nor a hang. */
static void
test_toml_refuses_broken_documents (void **state)
{
  static const struct {
    const char *text;
    const char *message;
  } cases[] = {
    { "a = \"open\n", "line 1: a string without its closing \"" },
    { "\n\nb = '''never closed", "line 3: a string without its closing '''" },
    { "[engine\nuri = \"x\"\n", "line 1: a table header without its closing bracket" },
    { "key\n", "line 1: a key without “=” and its value" },
    { "k = \n", "line 1: a key without its value" },
    { "k = [1, 2\n", "an array or inline table without its end" },
    { "k = \"\\q\"\n", "line 1: an unknown escape “\\q” in a string" },
    { "k = \"\\uD800\"\n", "line 1: an escape of U+D800, which is no character" },
    { "k = \"\xff\"\n", "line 1: a string that is not UTF-8 text" },
    { "k = \"a\" \"b\"\n", "line 1: unexpected “\"” after the value" },
    { "= 1\n", "line 1: unexpected “=” where a key belongs" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *got = read_all (cases[i].text, &error);

      assert_null (got);
      assert_true (g_error_matches (error, PIER_ERROR, PIER_ERROR_INVALID));
      if (strstr (error->message, cases[i].message) == NULL)
        fail_msg ("case %zu: «%s» not in «%s»", i, cases[i].message, error->message);
    }
}

static void
test_toml_bounds_nesting (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) deep = g_string_new ("k = ");
  g_autofree char *got = NULL;

  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  got = read_all (deep->str, &error);
  assert_null (got);
  assert_non_null (strstr (error->message, "nested more than 64 deep"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_toml_podman_destinations),
    cmocka_unit_test (test_toml_strings),
    cmocka_unit_test (test_toml_refuses_broken_documents),
    cmocka_unit_test (test_toml_bounds_nesting),
  };
  return cmocka_run_group_tests_name ("toml", tests, NULL, NULL);
}
