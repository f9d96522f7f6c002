/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-dockerfile.h"
#include "pier-dockerignore-private.h"
#include "pier-error.h"

#include <jansson.h>
#include <string.h>

static PierDockerfile *
parse_flags (const char *text, PierDockerfileParseFlags flags)
{
  g_autoptr (GError) error = NULL;
  PierDockerfile *df = pier_dockerfile_parse (text, strlen (text), "Dockerfile", flags, &error);

  pier_assert_no_error (error);
  return df;
}

static PierDockerfile *
parse (const char *text)
{
  return parse_flags (text, PIER_DOCKERFILE_PARSE_DEFAULT);
}

static void
assert_parse_error (const char *text, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierDockerfile) df = pier_dockerfile_parse (text, strlen (text), "Dockerfile", 0,
                                                         &error);

  if (df != NULL)
    fail_msg ("expected “%s”, but this parsed:\n%s", expected, text);
  pier_assert_error (error, PIER_ERROR_INVALID);
  if (strcmp (error->message, expected) != 0)
    fail_msg ("got “%s”, expected “%s”", error->message, expected);
}

static void
assert_args (const PierInstruction *insn, const char *const *expected)
{
  guint n = g_strv_length ((char **) expected);

  if (insn->n_args != n)
    fail_msg ("line %u: %u arguments, expected %u", insn->line, insn->n_args, n);
  for (guint i = 0; i < n; i++)
    assert_string_equal (insn->args[i], expected[i]);
}

/* ---- BuildKit's parse-tree dump (parser.Node.Dump), to compare with its test results ---- */

/* Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
static gboolean
go_is_print (gunichar c)
{
  if (c < 0x80)
    return c >= 0x20 && c < 0x7F;
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL: case G_UNICODE_FORMAT: case G_UNICODE_UNASSIGNED:
    case G_UNICODE_PRIVATE_USE: case G_UNICODE_SURROGATE: case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR: case G_UNICODE_SPACE_SEPARATOR:
      return FALSE;
    default:
      return TRUE;
    }
}

/* Go's strconv.Quote. */
static void
go_quote (GString *out, const char *s, gsize len)
{
  const char *p = s, *end = s + len;

  g_string_append_c (out, '"');
  while (p < end)
    {
      gunichar c = *p == '\0' ? 0 : g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p++);
          continue;
        }
      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", (char) c);
      else if (go_is_print (c))
        g_string_append_len (out, p, g_utf8_skip[(guchar) *p]);
      else if (c == '\a' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t'
               || c == '\v')
        g_string_append_printf (out, "\\%c", "abfnrtv"[strchr ("\a\b\f\n\r\t\v", (int) c)
                                                         - "\a\b\f\n\r\t\v"]);
      else if (c < ' ' || c == 0x7F)
        g_string_append_printf (out, "\\x%02x", c);
      else if (c < 0x10000)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_printf (out, "\\U%08x", c);
      p += c == 0 ? 1 : g_utf8_skip[(guchar) *p];
    }
  g_string_append_c (out, '"');
}

static void
dump_instruction (GString *out, const PierInstruction *insn)
{
  gboolean pairs = strcmp (insn->keyword, "env") == 0 || strcmp (insn->keyword, "label") == 0;

  g_string_append (out, insn->keyword);
  if (insn->n_flags > 0)
    {
      g_string_append (out, " [");
      for (guint i = 0; i < insn->n_flags; i++)
        {
          g_autofree char *word = insn->flags[i].value != NULL
            ? g_strdup_printf ("--%s=%s", insn->flags[i].name, insn->flags[i].value)
            : g_strdup_printf ("--%s", insn->flags[i].name);

          if (i > 0)
            g_string_append_c (out, ' ');
          go_quote (out, word, strlen (word));
        }
      g_string_append_c (out, ']');
    }
  if (insn->onbuild != NULL)
    {
      g_string_append (out, " (");
      dump_instruction (out, insn->onbuild);
      g_string_append_c (out, ')');
    }
  for (guint i = 0; i < insn->n_args; i++)
    {
      g_string_append_c (out, ' ');
      go_quote (out, insn->args[i], insn->arg_lengths[i]);
      if (pairs && i % 2 == 1)
        g_string_append (out, insn->key_value_legacy ? " \"\"" : " \"=\"");
    }
}

static char *
dump (const PierDockerfile *df)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < df->n_instructions; i++)
    {
      g_string_append_c (out, '(');
      dump_instruction (out, df->instructions[i]);
      g_string_append (out, ")\n");
    }
  return g_string_free (out, FALSE);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static GPtrArray *
sorted_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  assert_non_null (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static void
test_dockerfile_buildkit_parse_trees (void **state)
{
  PIER_TEST_REQUIRE_TESTDATA (dir, "buildkit/frontend/dockerfile/parser/testfiles");
  g_autoptr (GPtrArray) cases = sorted_entries (dir);
  g_autoptr (GString) failures = g_string_new (NULL);
  guint run = 0;

  for (guint i = 0; i < cases->len; i++)
    {
      const char *name = g_ptr_array_index (cases, i);
      g_autofree char *df_path = g_build_filename (dir, name, "Dockerfile", NULL);
      g_autofree char *result_path = g_build_filename (dir, name, "result", NULL);
      g_autofree char *text = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *got = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (PierDockerfile) df = NULL;
      gsize length;

      assert_true (g_file_get_contents (df_path, &text, &length, NULL));
      assert_true (g_file_get_contents (result_path, &expected, NULL, NULL));
      run++;
      df = pier_dockerfile_parse (text, length, name, PIER_DOCKERFILE_PARSE_SYNTAX_ONLY, &error);
      if (df == NULL)
        {
          g_string_append_printf (failures, "%s: %s\n", name, error->message);
          continue;
        }
      got = dump (df);
      g_strchomp (expected);
      g_strchomp (got);
      if (strcmp (got, expected) != 0)
        g_string_append_printf (failures, "%s:\n--- got\n%s\n--- expected\n%s\n", name, got,
                                expected);
    }
  if (failures->len > 0)
    fail_msg ("BuildKit parse trees differ:\n%s", failures->str);
  assert_true (run >= 15);
}

static void
test_dockerfile_buildkit_negative_files (void **state)
{
  PIER_TEST_REQUIRE_TESTDATA (dir, "buildkit/frontend/dockerfile/parser/testfiles-negative");
  g_autoptr (GPtrArray) cases = sorted_entries (dir);
  guint run = 0;

  for (guint i = 0; i < cases->len; i++)
    {
      const char *name = g_ptr_array_index (cases, i);
      g_autofree char *path = g_build_filename (dir, name, "Dockerfile", NULL);
      g_autofree char *text = NULL;
      gsize length;

      assert_true (g_file_get_contents (path, &text, &length, NULL));
      for (int strict = 0; strict < 2; strict++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (PierDockerfile) df = pier_dockerfile_parse (
            text, length, "Dockerfile", strict ? 0 : PIER_DOCKERFILE_PARSE_SYNTAX_ONLY, &error);

          if (df != NULL)
            fail_msg ("%s parsed, but BuildKit refuses it", name);
          pier_assert_error (error, PIER_ERROR_INVALID);
          assert_true (g_str_has_prefix (error->message, "Dockerfile:"));
        }
      run++;
    }
  assert_true (run >= 4);
}

/* ---- Pier's own corpus: NAME.Dockerfile with NAME.json (expected parse) or NAME.error ---- */

static char *
source_path (const char *relpath)
{
  const char *root = g_getenv ("PIER_SOURCE_DIR");

  assert_non_null (root);
  return g_build_filename (root, relpath, NULL);
}

static void
test_dockerfile_corpus (void **state)
{
  g_autofree char *dir = source_path ("tests/data/dockerfiles");
  g_autoptr (GPtrArray) entries = sorted_entries (dir);
  g_autoptr (GString) failures = g_string_new (NULL);
  guint valid = 0, invalid = 0;

  for (guint i = 0; i < entries->len; i++)
    {
      const char *name = g_ptr_array_index (entries, i);
      g_autofree char *stem = NULL;
      g_autofree char *path = NULL;
      g_autofree char *json_path = NULL;
      g_autofree char *error_path = NULL;
      g_autofree char *text = NULL;
      g_autofree char *expected = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (PierDockerfile) df = NULL;
      gsize length;

      if (!g_str_has_suffix (name, ".Dockerfile"))
        continue;
      stem = g_strndup (name, strlen (name) - strlen (".Dockerfile"));
      path = g_build_filename (dir, name, NULL);
      json_path = g_strdup_printf ("%s/%s.json", dir, stem);
      error_path = g_strdup_printf ("%s/%s.error", dir, stem);
      assert_true (g_file_get_contents (path, &text, &length, NULL));
      df = pier_dockerfile_parse (text, length, name, 0, &error);

      if (g_file_get_contents (error_path, &expected, NULL, NULL))
        {
          invalid++;
          g_strchomp (expected);
          if (df != NULL)
            g_string_append_printf (failures, "%s parsed; expected “%s”\n", name, expected);
          else if (strcmp (error->message, expected) != 0)
            g_string_append_printf (failures, "%s: “%s”, expected “%s”\n", name,
                                    error->message, expected);
          continue;
        }
      valid++;
      if (!g_file_get_contents (json_path, &expected, NULL, NULL))
        g_string_append_printf (failures, "%s has neither .json nor .error\n", name);
      else if (df == NULL)
        g_string_append_printf (failures, "%s: %s\n", name, error->message);
      else
        {
          g_autofree char *got = pier_dockerfile_to_json (df);
          json_t *a = json_loads (got, 0, NULL);
          json_t *b = json_loads (expected, 0, NULL);

          if (b == NULL)
            g_string_append_printf (failures, "%s.json is not valid JSON\n", stem);
          else if (!json_equal (a, b))
            g_string_append_printf (failures, "%s differs from %s.json; got:\n%s", name, stem,
                                    got);
          json_decref (a);
          json_decref (b);
        }
    }
  if (failures->len > 0)
    fail_msg ("corpus:\n%s", failures->str);
  assert_true (valid >= 40);
  assert_true (invalid >= 5);
}

/* Inputs that once crashed or misbehaved under the fuzzer: they must go through every entry
 * point quietly now. */
static void
test_dockerfile_fuzz_regressions (void **state)
{
  g_autofree char *dir = source_path ("tests/fuzz/regressions");
  g_autoptr (GPtrArray) entries = sorted_entries (dir);
  guint run = 0;

  for (guint i = 0; i < entries->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (entries, i), NULL);
      g_autofree char *data = NULL;
      gsize length;

      assert_true (g_file_get_contents (path, &data, &length, NULL));
      for (int strict = 0; strict < 2; strict++)
        {
          g_autoptr (PierDockerfile) df = pier_dockerfile_parse (
            data, length, "fuzz", strict ? 0 : PIER_DOCKERFILE_PARSE_SYNTAX_ONLY, NULL);
          g_autofree char *json = df != NULL ? pier_dockerfile_to_json (df) : NULL;

          for (guint k = 0; df != NULL && k < df->n_instructions; k++)
            {
              g_autoptr (PierInstruction) copy = pier_dockerfile_expand (
                df, df->instructions[k], NULL, NULL, NULL);
            }
        }
      g_autoptr (PierDockerignore) ignore = pier_dockerignore_parse (data, length, NULL);
      if (ignore != NULL)
        pier_dockerignore_matches (ignore, "a/b/c");
      run++;
    }
  assert_true (run >= 1);
}


/* ---- behaviours, one by one ---- */

static void
test_dockerfile_directives (void **state)
{
  g_autoptr (PierDockerfile) df =
    parse ("\xEF\xBB\xBF# SYNTAX = docker/dockerfile:1.7  \n#Escape=`\n# check=skip=all\n"
           "FROM scratch\nENV P=\"C:\\dir `\n  more\"\n# escape=\\\n");
  g_autoptr (PierDockerfile) late = parse ("# hello\n# escape=`\nFROM scratch\n");
  g_autoptr (PierDockerfile) unknown = parse ("# foo=bar\n# escape=`\nFROM scratch\n");
  const char *const env[] = { "P", "\"C:\\dir   more\"", NULL };

  assert_int_equal (df->escape, '`');
  assert_string_equal (df->syntax, "docker/dockerfile:1.7");
  assert_string_equal (df->check, "skip=all");
  assert_int_equal (df->n_instructions, 2);
  assert_args (df->instructions[1], env);
  assert_int_equal (df->instructions[1]->line, 5);
  assert_int_equal (df->instructions[1]->end_line, 6);
  /* Directives only count before any other line, comments included. */
  assert_int_equal (late->escape, '\\');
  assert_int_equal (unknown->escape, '\\');
  assert_null (late->syntax);

  assert_parse_error ("# escape=`\n# escape=\\\nFROM x\n",
                      "Dockerfile:2: only one escape parser directive can be used");
  assert_parse_error ("# escape=|\nFROM x\n",
                      "Dockerfile:1: invalid escape token “|”: use ` or \\");
}

static void
test_dockerfile_continuations (void **state)
{
  g_autoptr (PierDockerfile) df =
    parse ("FROM alpine\n"
           "RUN apk add \\\n"
           "# a comment inside\n"
           "\n"
           "      curl \\\n"
           "  \t\n"
           "    git\n"
           "run echo done \\  \n"
           "\n");
  const char *const run1[] = { "apk add       curl     git", NULL };
  const char *const run2[] = { "echo done", NULL };

  assert_int_equal (df->n_instructions, 3);
  assert_args (df->instructions[1], run1);
  assert_int_equal (df->instructions[1]->line, 2);
  assert_int_equal (df->instructions[1]->end_line, 7);
  assert_string_equal (df->instructions[2]->keyword, "run");
  assert_args (df->instructions[2], run2);
  assert_int_equal (df->instructions[2]->end_line, 9);
}

static void
test_dockerfile_forms_and_flags (void **state)
{
  g_autoptr (PierDockerfile) df =
    parse ("FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\n"
           "RUN --mount=type=cache,target=/root/.cache --network=none [\"go\", \"build\"]\n"
           "CMD [\"sh\", 'x']\n"
           "COPY --chown=\"app user\" --link -- [\"a b\", \"/dst/\"]\n"
           "ADD --chmod=0755 one two /three/\n"
           "VOLUME [\"/data\"]\n"
           "EXPOSE 80/tcp 443\n");
  const PierInstruction *from = df->instructions[0], *run = df->instructions[1];
  const PierInstruction *cmd = df->instructions[2], *copy = df->instructions[3];
  const char *const from_args[] = { "golang:1.22", "AS", "Build", NULL };
  const char *const run_args[] = { "go", "build", NULL };
  const char *const cmd_args[] = { "[\"sh\", 'x']", NULL };
  const char *const copy_args[] = { "a b", "/dst/", NULL };
  const char *const add_args[] = { "one", "two", "/three/", NULL };
  const char *const expose_args[] = { "80/tcp", "443", NULL };

  assert_args (from, from_args);
  assert_string_equal (pier_instruction_get_flag (from, "platform"), "$BUILDPLATFORM");
  assert_true (run->json_form);
  assert_args (run, run_args);
  assert_string_equal (pier_instruction_get_flag (run, "mount"), "type=cache,target=/root/.cache");
  assert_string_equal (pier_instruction_get_flag (run, "network"), "none");
  assert_false (cmd->json_form);   /* not valid JSON: shell form */
  assert_args (cmd, cmd_args);
  assert_true (copy->json_form);
  assert_args (copy, copy_args);
  assert_string_equal (pier_instruction_get_flag (copy, "chown"), "app user");
  assert_true (pier_instruction_has_flag (copy, "link"));
  assert_null (pier_instruction_get_flag (copy, "link"));
  assert_args (df->instructions[4], add_args);
  assert_true (df->instructions[5]->json_form);
  assert_args (df->instructions[6], expose_args);
}

/* A JSON "\u0000" survives whole (BuildKit keeps it); validation then refuses it. */
static void
test_dockerfile_json_nul_kept_in_syntax_only (void **state)
{
  g_autoptr (PierDockerfile) df = parse_flags ("CMD [\"a\\u0000b\", \"c\"]\n",
                                               PIER_DOCKERFILE_PARSE_SYNTAX_ONLY);
  const PierInstruction *cmd = df->instructions[0];
  g_autoptr (PierInstruction) copy = pier_instruction_copy (cmd);

  assert_int_equal (cmd->arg_lengths[0], 3);
  assert_memory_equal (cmd->args[0], "a\0b", 4);
  assert_memory_equal (copy->args[0], "a\0b", 4);
  assert_int_equal (copy->arg_lengths[1], 1);
}

static void
test_dockerfile_key_values (void **state)
{
  g_autoptr (PierDockerfile) df =
    parse ("ARG BASE=debian:bookworm VERSION\nFROM $BASE\n"
           "ENV LEGACY value with spaces\n"
           "ENV A=1 B=\"two words\" C=three\\ words\n"
           "LABEL org.opencontainers.image.title=\"Pier test\" version=1\n"
           "ARG USER=\"app\" UID=1000\n"
           "LABEL \"com.example.vendor\"=\"ACME Incorporated\"\n");
  const char *const arg1[] = { "BASE=debian:bookworm", "VERSION", NULL };
  const char *const legacy[] = { "LEGACY", "value with spaces", NULL };
  const char *const env[] = { "A", "1", "B", "\"two words\"", "C", "three\\ words", NULL };
  const char *const label[] = { "org.opencontainers.image.title", "\"Pier test\"", "version",
                                "1", NULL };
  const char *const quoted_key[] = { "com.example.vendor", "ACME Incorporated", NULL };
  g_autoptr (PierInstruction) vendor = pier_dockerfile_expand (df, df->instructions[6], NULL,
                                                               NULL, NULL);
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;

  assert_args (df->instructions[0], arg1);
  assert_args (vendor, quoted_key);
  assert_args (df->instructions[2], legacy);
  assert_true (df->instructions[2]->key_value_legacy);
  assert_args (df->instructions[3], env);
  assert_false (df->instructions[3]->key_value_legacy);
  assert_args (df->instructions[4], label);
  pier_dockerfile_split_arg (df->instructions[5]->args[0], &name, &value);
  assert_string_equal (name, "USER");
  assert_string_equal (value, "\"app\"");
}

static void
test_dockerfile_heredocs (void **state)
{
  g_autoptr (PierDockerfile) df =
    parse ("FROM debian\n"
           "RUN <<EOF bash -e\n"
           "apt-get update\n"
           "# kept: comments are content here\n"
           "EOF\n"
           "RUN <<-'SCRIPT' 3<<\"CONF\" python3\n"
           "\tprint('$HOME')\n"
           "\t\tindented\n"
           "\tSCRIPT\n"
           "key=value\n"
           "CONF\n"
           "COPY <<index.html <<-EOT /usr/share/nginx/html/\n"
           "<h1>$TITLE</h1>\n"
           "index.html\n"
           "\tsecond\n"
           "\tEOT\n"
           "ONBUILD RUN << END\n"
           "echo later\n"
           "END\n"
           "RUN [\"<<EOF\"]\n"
           "CMD cat <<EOF\n");
  const PierInstruction *run = df->instructions[1], *multi = df->instructions[2];
  const PierInstruction *copy = df->instructions[3], *onbuild = df->instructions[4];

  assert_int_equal (df->n_instructions, 7);
  assert_int_equal (run->n_heredocs, 1);
  assert_string_equal (run->heredocs[0].name, "EOF");
  assert_string_equal (run->heredocs[0].content,
                       "apt-get update\n# kept: comments are content here\n");
  assert_true (run->heredocs[0].expand);
  assert_int_equal (run->end_line, 5);

  assert_int_equal (multi->n_heredocs, 2);
  assert_string_equal (multi->heredocs[0].name, "SCRIPT");
  assert_true (multi->heredocs[0].chomp);
  assert_false (multi->heredocs[0].expand);
  assert_string_equal (multi->heredocs[0].content, "print('$HOME')\nindented\n");
  assert_string_equal (multi->heredocs[1].name, "CONF");
  assert_int_equal (multi->heredocs[1].fd, 3);
  assert_false (multi->heredocs[1].expand);
  assert_string_equal (multi->heredocs[1].content, "key=value\n");

  assert_int_equal (copy->n_heredocs, 2);
  assert_string_equal (copy->heredocs[0].name, "index.html");
  assert_string_equal (copy->heredocs[0].content, "<h1>$TITLE</h1>\n");
  assert_string_equal (copy->heredocs[1].content, "second\n");
  assert_int_equal (copy->line, 12);
  assert_int_equal (copy->end_line, 16);

  assert_non_null (onbuild->onbuild);
  assert_int_equal (onbuild->onbuild->n_heredocs, 1);
  assert_string_equal (onbuild->onbuild->heredocs[0].content, "echo later\n");
  /* JSON form and CMD take no heredocs. */
  assert_int_equal (df->instructions[5]->n_heredocs, 0);
  assert_int_equal (df->instructions[6]->n_heredocs, 0);

  assert_parse_error ("FROM x\nRUN <<EOF\necho\nEOFX\n",
                      "Dockerfile:2: unterminated heredoc: no line “EOF” ends it");
}

static void
test_dockerfile_onbuild (void **state)
{
  g_autoptr (PierDockerfile) df =
    parse ("FROM node:20\nONBUILD COPY --chown=node package*.json ./\nonbuild run npm ci\n");
  const PierInstruction *first = df->instructions[1];
  g_autoptr (PierInstruction) copy = pier_instruction_copy (first);

  assert_int_equal (first->n_args, 0);
  assert_string_equal (first->onbuild->keyword, "copy");
  assert_string_equal (pier_instruction_get_flag (first->onbuild, "chown"), "node");
  assert_int_equal (first->onbuild->line, 2);
  assert_string_equal (copy->onbuild->original, "COPY --chown=node package*.json ./");
  assert_string_equal (df->instructions[2]->onbuild->args[0], "npm ci");

  assert_parse_error ("FROM x\nONBUILD ONBUILD RUN x\n",
                      "Dockerfile:2: ONBUILD ONBUILD is not allowed: a trigger cannot add "
                      "triggers");
  assert_parse_error ("FROM x\nONBUILD FROM y\n",
                      "Dockerfile:2: FROM is not allowed as an ONBUILD trigger");
  assert_parse_error ("FROM x\nONBUILD MAINTAINER me\n",
                      "Dockerfile:2: MAINTAINER is not allowed as an ONBUILD trigger");
  assert_parse_error ("FROM x\nONBUILD RUNN x\n",
                      "Dockerfile:2: ONBUILD: unknown instruction RUNN (did you mean RUN?)");
}

/* What goes into the image's JSON must be UTF-8: refused at its line, naming the part, rather
 * than lost from the config or refused after the build. Comments may hold anything. */
static void
test_dockerfile_refuses_text_json_cannot_hold (void **state)
{
  g_autoptr (PierDockerfile) df = parse ("# Auteur: Jos\xe9\nFROM x\nCMD [\"ok\"]\n");

  assert_parse_error ("FROM x\nENV A=caf\xe9\n",
                      "Dockerfile:2: ENV argument 2 “caf\\xe9” is not valid UTF-8 text");
  assert_parse_error ("FROM x\n\nCMD [\"echo\", \"\xff\"]\n",
                      "Dockerfile:3: CMD argument 1 “[\"echo\", \"\\xff\"]” is not valid UTF-8 text");
  assert_parse_error ("FROM x\nCOPY --chown=caf\xe9 a /b\n",
                      "Dockerfile:2: COPY --chown “caf\\xe9” is not valid UTF-8 text");
  assert_parse_error ("FROM x\nRUN <<EOF\necho \xe9\nEOF\n",
                      "Dockerfile:2: RUN heredoc EOF “echo \\xe9\\n” is not valid UTF-8 text");
  assert_parse_error ("FROM x\nONBUILD LABEL a=\xff\n",
                      "Dockerfile:2: ONBUILD: LABEL argument 2 “\\xff” is not valid UTF-8 text");
}

static void
test_dockerfile_errors_name_file_and_line (void **state)
{
  static const struct { const char *text, *message; } cases[] = {
    { "", "Dockerfile:1: file with no instructions" },
    { "# only\n\n# comments\n", "Dockerfile:3: file with no instructions" },
    { "FROM x\nCOPYY a b\n", "Dockerfile:2: unknown instruction COPYY (did you mean COPY?)" },
    { "FROM x\nFROBNICATE\n", "Dockerfile:2: unknown instruction FROBNICATE" },
    { "FROM x\n\nENV PATH\n",
      "Dockerfile:3: ENV needs a value: ENV NAME=value (or ENV NAME value)" },
    { "FROM x\nLABEL a=1 b\n", "Dockerfile:2: LABEL: no “=” in “b”: write NAME=value" },
    { "FROM x\nCMD [\"a\", [\"b\"]]\n",
      "Dockerfile:2: a JSON array of arguments may only hold strings" },
    { "FROM x\nSHELL /bin/bash -c\n",
      "Dockerfile:2: SHELL takes a JSON array: SHELL [\"executable\", \"parameters\"]" },
    { "FROM x\nCOPY onlyone\n",
      "Dockerfile:2: COPY needs a source and a destination: COPY SOURCE... DEST" },
    { "FROM x\nCOPY --from=a --frm=b x y\n",
      "Dockerfile:2: unknown flag --frm: COPY takes --chown, --chmod, --from, --link, --parents, "
      "--exclude" },
    { "FROM x\nCOPY --link=maybe x y\n", "Dockerfile:2: --link takes true or false, not “maybe”" },
    { "FROM x\nCOPY --chown x y\n", "Dockerfile:2: --chown needs a value: --chown=VALUE" },
    { "FROM x\nCOPY --from=a --from=b x y\n", "Dockerfile:2: --from is given twice" },
    { "FROM x\nWORKDIR\n", "Dockerfile:2: WORKDIR takes exactly one argument" },
    { "FROM x\nUSER --name=x root\n", "Dockerfile:2: unknown flag --name: USER takes no flags" },
    { "FROM x\nRUN\n", "Dockerfile:2: RUN needs a command" },
    { "FROM x\nHEALTHCHECK CONNECT TCP 7000\n",
      "Dockerfile:2: unknown HEALTHCHECK type “CONNECT”: use CMD or NONE" },
    { "FROM x\nHEALTHCHECK --interval=5 CMD true\n",
      "Dockerfile:2: --interval: invalid duration “5”: a unit is missing (ns, us, ms, s, m, h)" },
    { "FROM x\nHEALTHCHECK --timeout=10us CMD true\n",
      "Dockerfile:2: --timeout must be 0 or at least 1ms, not “10us”" },
    { "FROM x\nHEALTHCHECK --retries=-1 CMD true\n",
      "Dockerfile:2: --retries takes a whole number, 0 or more, not “-1”" },
    { "FROM x\nHEALTHCHECK NONE now\n", "Dockerfile:2: HEALTHCHECK NONE takes no arguments" },
    { "FROM x\nHEALTHCHECK CMD\n", "Dockerfile:2: HEALTHCHECK CMD needs a command" },
    { "FROM x\nVOLUME [\" \"]\n", "Dockerfile:2: VOLUME: a path cannot be empty" },
    { "FROM x\nARG =1\n", "Dockerfile:2: ARG: a name cannot be empty" },
    { "RUN x\nFROM y\n",
      "Dockerfile:1: RUN before the first FROM: only ARG may come before FROM" },
    { "FROM a b\n", "Dockerfile:1: FROM takes an image, then optionally AS and a stage name: "
      "FROM IMAGE [AS NAME]" },
    { "FROM a AS 1st\n", "Dockerfile:1: invalid stage name “1st”: start with a letter, then "
      "letters, digits, “-”, “_” or “.”" },
    { "FROM a AS x\nFROM b AS X\n",
      "Dockerfile:2: the stage name “x” is already used on line 1" },
    { "FROM x\nCOPY a <<EOF\nEOF\n",
      "Dockerfile:2: COPY cannot take a heredoc as its destination" },
    { "FROM x\nCMD [\"a\\u0000b\"]\n",
      "Dockerfile:2: CMD: argument 1 holds a NUL character (\\u0000)" },
    { "FROM x\n\\\n", "Dockerfile:2: a line continuation with no instruction" },
    { "\nARG ONLY=1\n", "Dockerfile:2: no FROM: a Dockerfile needs at least one stage" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_parse_error (cases[i].text, cases[i].message);
}

/* STOPSIGNAL names a signal as Docker's table has it; one in a variable waits for the build. */
static void
test_dockerfile_stopsignal_is_a_signal (void **state)
{
  static const char *const good[] = { "SIGTERM", "term", "9", "SIGRTMIN+3", "RTMAX", "$SIG",
                                      "${SIG:-TERM}" };
  static const struct { const char *text, *message; } bad[] = {
    { "FROM x\nSTOPSIGNAL SIGFOO\n", "Dockerfile:2: STOPSIGNAL: invalid signal “SIGFOO”: give a "
      "name such as SIGTERM, TERM or SIGRTMIN+3, or a number from 1 to 31 or 34 to 64" },
    { "FROM x\n\nSTOPSIGNAL 0\n", "Dockerfile:3: STOPSIGNAL: invalid signal “0”: give a name "
      "such as SIGTERM, TERM or SIGRTMIN+3, or a number from 1 to 31 or 34 to 64" },
    { "FROM x\nONBUILD STOPSIGNAL 65\n", "Dockerfile:2: ONBUILD: STOPSIGNAL: invalid signal "
      "“65”: give a name such as SIGTERM, TERM or SIGRTMIN+3, or a number from 1 to 31 or 34 to "
      "64" },
  };

  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *text = g_strdup_printf ("FROM x\nSTOPSIGNAL %s\n", good[i]);
      g_autoptr (PierDockerfile) df = parse (text);
      assert_non_null (df);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_parse_error (bad[i].text, bad[i].message);
}

static void
test_dockerfile_nul_byte_is_refused (void **state)
{
  const char text[] = "FROM x\nRUN a\0b\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (PierDockerfile) df = pier_dockerfile_parse (text, sizeof text - 1, "Containerfile",
                                                         0, &error);

  assert_null (df);
  assert_string_equal (error->message, "Containerfile:2: a NUL byte: this is not a text file");
}

static void
test_dockerfile_syntax_only_keeps_what_validation_refuses (void **state)
{
  const char *text = "FROM x\nFROBNICATE now\nCOPY --bogus a b\n";
  g_autoptr (PierDockerfile) df = parse_flags (text, PIER_DOCKERFILE_PARSE_SYNTAX_ONLY);
  g_autoptr (GError) error = NULL;

  assert_int_equal (df->n_instructions, 3);
  assert_string_equal (df->instructions[1]->keyword, "frobnicate");
  assert_false (pier_dockerfile_validate (df, &error));
  assert_string_equal (error->message, "Dockerfile:2: unknown instruction FROBNICATE");
}

static void
test_dockerfile_stages (void **state)
{
  g_autoptr (PierDockerfile) df =
    parse ("ARG GO=1.22\n"
           "FROM --platform=$BUILDPLATFORM golang:${GO} AS Build\nRUN go build\n"
           "FROM scratch\nCOPY --from=build /app /app\nCMD [\"/app\"]\n");
  const PierDockerfileStage *build = pier_dockerfile_find_stage (df, "BUILD");

  assert_int_equal (df->n_stages, 2);
  assert_non_null (build);
  assert_int_equal (build->index, 0);
  assert_string_equal (build->name, "build");
  assert_string_equal (build->base, "golang:${GO}");
  assert_string_equal (build->platform, "$BUILDPLATFORM");
  assert_int_equal (build->from, 1);
  assert_int_equal (build->n_instructions, 2);
  assert_ptr_equal (pier_dockerfile_find_stage (df, "1"), &df->stages[1]);
  assert_null (df->stages[1].name);
  assert_int_equal (df->stages[1].n_instructions, 3);
  assert_null (pier_dockerfile_find_stage (df, "2"));
  assert_null (pier_dockerfile_find_stage (df, "1x"));
  assert_null (pier_dockerfile_find_stage (df, "nope"));
}

static void
test_dockerfile_expand (void **state)
{
  g_autoptr (PierDockerfile) df =
    parse ("FROM --platform=$P img:${TAG:-latest} AS base\n"
           "COPY --chown=${U}:${U} --from=$STAGE [\"$SRC\", \"/opt/$U/\"]\n"
           "ENV HOME=/home/$U GREETING=\"hello $U\" RAW='$U'\n"
           "EXPOSE $PORTS 9090/udp\n"
           "RUN --mount=type=cache,target=$CACHE echo $U\n"
           "ARG V=${TAG}-x W\n"
           "COPY <<EOF <<'RAW' /etc/\n$U \"quoted\"\nEOF\n$U\nRAW\n"
           "WORKDIR ${MISSING:?needs a value}\n");
  g_autoptr (GHashTable) env = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (PierInstruction) from = NULL;
  g_autoptr (PierInstruction) copy = NULL;
  g_autoptr (PierInstruction) env_insn = NULL;
  g_autoptr (PierInstruction) expose = NULL;
  g_autoptr (PierInstruction) run = NULL;
  g_autoptr (PierInstruction) arg = NULL;
  g_autoptr (PierInstruction) heredoc = NULL;
  g_autoptr (PierInstruction) workdir = NULL;
  g_autoptr (GError) error = NULL;
  const char *const from_args[] = { "img:latest", "AS", "base", NULL };
  const char *const copy_args[] = { "src dir", "/opt/app/", NULL };
  const char *const env_args[] = { "HOME", "/home/app", "GREETING", "hello app", "RAW", "$U",
                                   NULL };
  const char *const expose_args[] = { "80", "443", "9090/udp", NULL };
  const char *const run_args[] = { "echo $U", NULL };
  const char *const arg_args[] = { "V=-x", "W", NULL };

  g_hash_table_insert (env, "P", "linux/arm64");
  g_hash_table_insert (env, "U", "app");
  g_hash_table_insert (env, "STAGE", "build");
  g_hash_table_insert (env, "SRC", "src dir");
  g_hash_table_insert (env, "PORTS", "80 443");
  g_hash_table_insert (env, "CACHE", "/root/.cache");

#define EXPAND(i) pier_dockerfile_expand (df, df->instructions[i], pier_shell_lookup_hash_table, \
                                          env, &error)
  from = EXPAND (0);
  assert_args (from, from_args);
  assert_string_equal (pier_instruction_get_flag (from, "platform"), "linux/arm64");
  copy = EXPAND (1);
  assert_args (copy, copy_args);
  assert_true (copy->json_form);
  assert_string_equal (pier_instruction_get_flag (copy, "chown"), "app:app");
  assert_string_equal (pier_instruction_get_flag (copy, "from"), "build");
  env_insn = EXPAND (2);
  assert_args (env_insn, env_args);
  expose = EXPAND (3);
  assert_args (expose, expose_args);
  run = EXPAND (4);
  assert_args (run, run_args);
  assert_string_equal (pier_instruction_get_flag (run, "mount"), "type=cache,target=/root/.cache");
  arg = EXPAND (5);
  assert_args (arg, arg_args);
  heredoc = EXPAND (6);
  assert_string_equal (heredoc->heredocs[0].content, "app \"quoted\"\n");
  assert_string_equal (heredoc->heredocs[1].content, "$U\n");
  pier_assert_no_error (error);
  workdir = EXPAND (7);
#undef EXPAND
  assert_null (workdir);
  assert_string_equal (error->message, "Dockerfile:12: cannot expand “${MISSING:?needs a "
                       "value}”: MISSING: needs a value");
  /* The parse itself is untouched. */
  assert_string_equal (df->instructions[1]->args[0], "$SRC");
}

static void
test_dockerfile_scope (void **state)
{
  g_autoptr (PierDockerfile) df =
    parse ("ARG BASE=alpine\nARG TAG=3.19\nARG ONLY_GLOBAL=g\n"
           "FROM ${BASE}:${TAG} AS one\n"
           "WORKDIR /$ONLY_GLOBAL/$TAG/\n"
           "ARG TAG\nARG ONLY_GLOBAL\nARG LOCAL=l1 TARGETARCH\n"
           "ENV LOCAL=env-wins PATH=/x:$PATH\n"
           "ARG LOCAL=l2\n"
           "USER ${LOCAL}-$TARGETARCH\n"
           "FROM $BASE\nWORKDIR /$LOCAL$TAG\n");
  g_autoptr (GHashTable) build_args = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (PierDockerfileScope) scope = NULL;
  const char *const expected[] = { NULL, NULL, NULL, "alpine:3.20", "///", NULL, NULL, NULL,
                                   NULL, NULL, "env-wins-arm64", "alpine", "/" };
  g_auto (GStrv) run_env = NULL;
  g_autoptr (GError) error = NULL;

  g_hash_table_insert (build_args, "TAG", "3.20");
  scope = pier_dockerfile_scope_new (build_args);
  pier_dockerfile_scope_set_predefined (scope, "TARGETARCH", "arm64");
  for (guint i = 0; i < df->n_instructions; i++)
    {
      g_autoptr (PierInstruction) step = pier_dockerfile_scope_step (scope, df,
                                                                     df->instructions[i], &error);

      pier_assert_no_error (error);
      if (expected[i] != NULL)
        assert_string_equal (step->args[0], expected[i]);
      if (strcmp (step->keyword, "from") == 0 && i == 3)
        pier_dockerfile_scope_set_env (scope, "PATH", "/usr/bin");
      if (i == 10)
        run_env = pier_dockerfile_scope_get_run_environment (scope);
    }
  /* ENV first, then ARGs ENV does not shadow; global ARGs only once redeclared. */
  assert_int_equal (g_strv_length (run_env), 5);
  assert_string_equal (run_env[0], "PATH=/x:/usr/bin");
  assert_string_equal (run_env[1], "LOCAL=env-wins");
  assert_string_equal (run_env[2], "TAG=3.20");
  assert_string_equal (run_env[3], "ONLY_GLOBAL=g");
  assert_string_equal (run_env[4], "TARGETARCH=arm64");
}

static void
test_dockerfile_json_rendering (void **state)
{
  /* Syntax only: validation refuses the byte that is not UTF-8; the rendering must not. */
  g_autoptr (PierDockerfile) df =
    parse_flags ("# syntax=docker/dockerfile:1\nFROM alpine AS base\n"
                 "COPY --link <<-EOF /hello\n\thi \xff\n\tEOF\n"
                 "ONBUILD RUN [\"true\"]\n", PIER_DOCKERFILE_PARSE_SYNTAX_ONLY);
  g_autofree char *text = pier_dockerfile_to_json (df);
  json_t *root = json_loads (text, 0, NULL);
  json_t *insns, *copy, *flag, *doc, *onbuild;

  assert_non_null (root);
  assert_true (g_str_has_suffix (text, "}\n"));
  assert_string_equal (json_string_value (json_object_get (root, "escape")), "\\");
  assert_string_equal (json_string_value (json_object_get (root, "syntax")), "docker/dockerfile:1");
  assert_true (json_is_null (json_object_get (root, "check")));
  assert_string_equal (json_string_value (json_object_get (
                         json_array_get (json_object_get (root, "stages"), 0), "name")), "base");
  insns = json_object_get (root, "instructions");
  assert_int_equal (json_array_size (insns), 3);
  copy = json_array_get (insns, 1);
  assert_string_equal (json_string_value (json_object_get (copy, "instruction")), "copy");
  assert_int_equal (json_integer_value (json_object_get (copy, "line")), 3);
  assert_int_equal (json_integer_value (json_object_get (copy, "end_line")), 5);
  flag = json_array_get (json_object_get (copy, "flags"), 0);
  assert_string_equal (json_string_value (json_object_get (flag, "name")), "link");
  assert_true (json_is_null (json_object_get (flag, "value")));
  doc = json_array_get (json_object_get (copy, "heredocs"), 0);
  assert_true (json_is_true (json_object_get (doc, "chomp")));
  /* Invalid UTF-8 shows as U+FFFD rather than breaking the document. */
  assert_string_equal (json_string_value (json_object_get (doc, "content")), "hi \xEF\xBF\xBD\n");
  onbuild = json_object_get (json_array_get (insns, 2), "onbuild");
  assert_true (json_is_true (json_object_get (onbuild, "json")));
  assert_string_equal (json_string_value (json_array_get (json_object_get (onbuild, "arguments"),
                                                          0)), "true");
  json_decref (root);
}

static void
test_dockerfile_durations (void **state)
{
  static const struct { const char *text; gint64 ns; } good[] = {
    { "0", 0 }, { "1ms", 1000000 }, { "1.5s", 1500000000 }, { "1m30s", 90000000000 },
    { "2h45m", 9900000000000 }, { "-3us", -3000 }, { "\xC2\xB5s", 0 }, { ".5ms", 500000 },
    { "2562047h47m16.854775807s", G_MAXINT64 },
  };
  const char *const bad[] = { "", "5", "1x", "s", ".s", "-", "9223372036854775808ns",
                              "2562048h", "1.5", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 ns = -1;

      if (strcmp (good[i].text, "\xC2\xB5s") == 0)
        continue;
      assert_true (pier_dockerfile_parse_duration (good[i].text, &ns, &error));
      pier_assert_no_error (error);
      assert_int_equal (ns, good[i].ns);
    }
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 ns;

      if (pier_dockerfile_parse_duration (bad[i], &ns, &error))
        fail_msg ("“%s” parsed as a duration", bad[i]);
      pier_assert_error (error, PIER_ERROR_INVALID);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_dockerfile_buildkit_parse_trees),
    cmocka_unit_test (test_dockerfile_buildkit_negative_files),
    cmocka_unit_test (test_dockerfile_corpus),
    cmocka_unit_test (test_dockerfile_fuzz_regressions),
    cmocka_unit_test (test_dockerfile_directives),
    cmocka_unit_test (test_dockerfile_continuations),
    cmocka_unit_test (test_dockerfile_forms_and_flags),
    cmocka_unit_test (test_dockerfile_json_nul_kept_in_syntax_only),
    cmocka_unit_test (test_dockerfile_key_values),
    cmocka_unit_test (test_dockerfile_heredocs),
    cmocka_unit_test (test_dockerfile_onbuild),
    cmocka_unit_test (test_dockerfile_refuses_text_json_cannot_hold),
    cmocka_unit_test (test_dockerfile_errors_name_file_and_line),
    cmocka_unit_test (test_dockerfile_stopsignal_is_a_signal),
    cmocka_unit_test (test_dockerfile_nul_byte_is_refused),
    cmocka_unit_test (test_dockerfile_syntax_only_keeps_what_validation_refuses),
    cmocka_unit_test (test_dockerfile_stages),
    cmocka_unit_test (test_dockerfile_expand),
    cmocka_unit_test (test_dockerfile_scope),
    cmocka_unit_test (test_dockerfile_json_rendering),
    cmocka_unit_test (test_dockerfile_durations),
  };
  return cmocka_run_group_tests_name ("dockerfile", tests, NULL, NULL);
}
