/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness: arbitrary bytes through every entry point of the Dockerfile parser, the
 * variable expansion, the JSON rendering and the .dockerignore matcher. Built and run by
 * tests/fuzz/run-fuzz.sh (clang -fsanitize=fuzzer,address,undefined), not by meson. */

#include "pier-dockerfile.h"
#include "pier-dockerignore-private.h"
#include "pier-error.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

/* A fixed environment: some names set (with spaces and glob characters in the values), one
 * set but empty, the rest unset. */
static gboolean
lookup (const char *name, const char **value, gpointer user_data)
{
  if (name[0] >= 'A' && name[0] <= 'M')
    *value = "a b*c?/d";
  else if (name[0] == 'N' || name[0] == 'n')
    *value = "";
  else
    return FALSE;
  return TRUE;
}

static void
check_instruction (const PierInstruction *insn, guint previous_end)
{
  g_assert (insn->keyword != NULL && insn->original != NULL);
  g_assert (insn->line >= 1 && insn->line <= insn->end_line && insn->line > previous_end);
  g_assert (insn->args[insn->n_args] == NULL);
  for (guint i = 0; i < insn->n_args; i++)
    g_assert (insn->args[i] != NULL && strlen (insn->args[i]) <= insn->arg_lengths[i]);
  for (guint i = 0; i < insn->n_heredocs; i++)
    g_assert (insn->heredocs[i].name != NULL && insn->heredocs[i].content != NULL);
  if (insn->onbuild != NULL)
    g_assert (insn->onbuild->onbuild == NULL);
}

static void
exercise (const PierDockerfile *df)
{
  g_autofree char *json = pier_dockerfile_to_json (df);
  g_autoptr (PierDockerfileScope) scope = pier_dockerfile_scope_new (NULL);
  g_auto (GStrv) env = NULL;
  json_t *root = json_loads (json, 0, NULL);
  guint previous_end = 0;

  g_assert (root != NULL);
  json_decref (root);
  pier_dockerfile_scope_set_predefined (scope, "TARGETARCH", "amd64");
  for (guint i = 0; i < df->n_instructions; i++)
    {
      const PierInstruction *insn = df->instructions[i];
      g_autoptr (PierInstruction) expanded = pier_dockerfile_expand (df, insn, lookup, NULL,
                                                                     NULL);
      g_autoptr (PierInstruction) stepped = pier_dockerfile_scope_step (scope, df, insn, NULL);
      g_autoptr (PierInstruction) copy = pier_instruction_copy (insn);

      check_instruction (insn, previous_end);
      previous_end = insn->end_line;
      g_assert (copy->n_args == insn->n_args && copy->n_heredocs == insn->n_heredocs);
      g_assert (expanded == NULL || strcmp (expanded->keyword, insn->keyword) == 0);
      g_assert (stepped == NULL || stepped->line == insn->line);
    }
  env = pier_dockerfile_scope_get_run_environment (scope);
  for (guint i = 0; i < df->n_stages; i++)
    g_assert (df->stages[i].from < df->n_instructions);
  pier_dockerfile_find_stage (df, "0");
  pier_dockerfile_find_stage (df, "build");
  pier_dockerfile_validate (df, NULL);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  g_autoptr (PierDockerignore) ignore = NULL;

  for (int strict = 0; strict < 2; strict++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PierDockerfile) df = pier_dockerfile_parse (
        text, size, "fuzz", strict ? 0 : PIER_DOCKERFILE_PARSE_SYNTAX_ONLY, &error);

      if (df == NULL)
        {
          g_assert (error != NULL && error->domain == PIER_ERROR);
          g_assert (g_str_has_prefix (error->message, "fuzz:"));
          continue;
        }
      g_assert (error == NULL);
      exercise (df);
    }

  ignore = pier_dockerignore_parse (text, size, NULL);
  if (ignore != NULL)
    {
      pier_dockerignore_matches (ignore, "src/main.c");
      pier_dockerignore_matches (ignore, "a/b/c/d/e/f");
      pier_dockerignore_matches (ignore, "\xC3\xA9t\xC3\xA9/x.log");
    }

  if (memchr (data, '\0', size) == NULL)
    {
      g_autofree char *word = g_strndup (text, size);
      g_autofree char *one = pier_shell_expand_word (word, '\\', PIER_SHELL_WORDS_DEFAULT,
                                                     lookup, NULL, NULL);
      g_auto (GStrv) many = pier_shell_expand_words (word, '`', PIER_SHELL_WORDS_RAW_QUOTES
                                                     | PIER_SHELL_WORDS_SKIP_UNSET, lookup,
                                                     NULL, NULL);

      for (char **w = many; w != NULL && *w != NULL; w++)
        g_assert (**w != '\0');
      g_assert (one == NULL || strlen (one) <= 64 * size + 64);
    }
  return 0;
}
