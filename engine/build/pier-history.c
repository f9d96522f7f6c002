/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An image's history read back as a Dockerfile. */
#include "pier-history.h"

#include "pier-created-by-private.h"
#include "pier-dockerfile.h"

#include <string.h>

char *
pier_history_entry_to_instruction (const char *created_by)
{
  return pier_created_by_read (created_by, NULL);
}

/* Pier's own record of the instruction, else what created_by records. */
static char *
entry_instruction (const PierHistoryEntry *entry, const PierImageConfig *config)
{
  if (entry->comment != NULL && g_str_has_prefix (entry->comment, PIER_HISTORY_COMMENT_PREFIX))
    return g_strdup (entry->comment + strlen (PIER_HISTORY_COMMENT_PREFIX));
  return pier_created_by_read (entry->created_by, config);
}

/* Whether @line is one instruction a build accepts, as `build --check` would judge it. */
static gboolean
is_one_instruction (const char *line)
{
  g_autofree char *text = g_strdup_printf ("FROM scratch\n%s\n", line);
  g_autoptr (PierDockerfile) df = pier_dockerfile_parse (text, strlen (text), NULL,
                                                         PIER_DOCKERFILE_PARSE_DEFAULT, NULL);

  return df != NULL && df->n_instructions == 2;
}

static gboolean
is_blank (const char *text)
{
  while (g_ascii_isspace (*text))
    text++;
  return *text == '\0';
}

/* @text as comment lines. */
static void
append_comment (GString *out, const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (char **l = lines; *l; l++)
    g_string_append_printf (out, "# %s\n", *l);
}

char *
pier_history_to_dockerfile (const PierImageConfig *config)
{
  const char *base = pier_run_config_get_label (&config->config, PIER_LABEL_BASE_IMAGE);
  const char *count = pier_run_config_get_label (&config->config, PIER_LABEL_BASE_HISTORY);
  guint64 skip = 0;
  GString *out;

  if (base == NULL || *base == '\0' || count == NULL
      || !g_ascii_string_to_unsigned (count, 10, 0, config->history->len, &skip, NULL))
    {
      base = "scratch";
      skip = 0;
    }
  out = g_string_new (NULL);
  g_string_append_printf (out, "FROM %s\n", base);
  for (guint i = skip; i < config->history->len; i++)
    {
      PierHistoryEntry *e = config->history->pdata[i];
      g_autofree char *instruction = entry_instruction (e, config);

      if (instruction != NULL && is_one_instruction (instruction))
        g_string_append_printf (out, "%s\n", instruction);
      else if (e->created_by != NULL && !is_blank (e->created_by))
        append_comment (out, e->created_by);
      else if (e->comment != NULL)
        append_comment (out, e->comment);
    }
  return g_string_free (out, FALSE);
}
