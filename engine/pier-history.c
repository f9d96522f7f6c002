#include "pier-history.h"

#include <string.h>

/* Docker's classic builder prints exec forms as ["a" "b"]; a Dockerfile needs ["a", "b"]. */
static char *
fix_exec_form (const char *args)
{
  GString *out;
  gboolean in_string = FALSE;
  gboolean escaped = FALSE;

  if (args[0] != '[')
    return g_strdup (args);
  out = g_string_new (NULL);
  for (const char *p = args; *p; p++)
    {
      if (in_string)
        {
          g_string_append_c (out, *p);
          if (escaped)
            escaped = FALSE;
          else if (*p == '\\')
            escaped = TRUE;
          else if (*p == '"')
            {
              in_string = FALSE;
              if (p[1] == ' ' && p[2] == '"')
                {
                  g_string_append (out, ", ");
                  p++;
                }
            }
          continue;
        }
      if (*p == '"')
        in_string = TRUE;
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* "|2 A=1 B=2 /bin/sh -c cmd": the build args a RUN saw, before its command. */
static const char *
skip_build_args (const char *s)
{
  char *end;
  long n;

  if (s[0] != '|')
    return s;
  n = strtol (s + 1, &end, 10);
  s = end;
  for (long i = 0; i < n && *s; i++)
    {
      while (*s == ' ')
        s++;
      while (*s && *s != ' ')
        s++;
    }
  while (*s == ' ')
    s++;
  return s;
}

/* "ADD file:… in /" and "COPY dir:… in /app": the classic builder names the source by digest
 * and puts "in" before the destination. */
static char *
copy_instruction (const char *text)
{
  g_autofree char *copy = g_strdup (text);
  char *in = strstr (copy, " in ");

  if (in != NULL)
    memmove (in, in + 3, strlen (in + 3) + 1);
  return g_strstrip (g_steal_pointer (&copy));
}

char *
pier_history_entry_to_instruction (const char *created_by)
{
  g_autofree char *text = NULL;
  const char *s;
  const char *shell_prefix = "/bin/sh -c ";

  if (created_by == NULL || *created_by == '\0')
    return NULL;
  text = g_strstrip (g_strdup (created_by));
  if (g_str_has_suffix (text, "# buildkit"))
    {
      text[strlen (text) - strlen ("# buildkit")] = '\0';
      g_strstrip (text);
    }
  s = skip_build_args (text);
  if (g_str_has_prefix (s, shell_prefix))
    {
      s += strlen (shell_prefix);
      if (g_str_has_prefix (s, "#(nop)"))
        {
          g_autofree char *rest = g_strstrip (g_strdup (s + strlen ("#(nop)")));
          char *space = strchr (rest, ' ');
          if (g_str_has_prefix (rest, "ADD ") || g_str_has_prefix (rest, "COPY "))
            return copy_instruction (rest);
          if (space != NULL && (g_str_has_prefix (rest, "CMD ") || g_str_has_prefix (rest, "ENTRYPOINT ") ||
                                g_str_has_prefix (rest, "SHELL ") || g_str_has_prefix (rest, "VOLUME ")))
            {
              g_autofree char *args = fix_exec_form (g_strstrip (space + 1));
              *space = '\0';
              return g_strdup_printf ("%s %s", rest, args);
            }
          return g_steal_pointer (&rest);
        }
      return g_strdup_printf ("RUN %s", s);
    }
  /* BuildKit's "RUN /bin/sh -c make" and Pier's own, already instructions. */
  if (g_str_has_prefix (s, "RUN "))
    {
      const char *cmd = s + 4;
      cmd = skip_build_args (cmd);
      if (g_str_has_prefix (cmd, shell_prefix))
        cmd += strlen (shell_prefix);
      return g_strdup_printf ("RUN %s", cmd);
    }
  if (g_str_has_prefix (s, "ADD ") || g_str_has_prefix (s, "COPY "))
    return copy_instruction (s);
  return g_strdup (s);
}

char *
pier_history_entry_get_instruction (const PierHistoryEntry *entry)
{
  if (entry->comment != NULL && g_str_has_prefix (entry->comment, PIER_HISTORY_COMMENT_PREFIX))
    return g_strdup (entry->comment + strlen (PIER_HISTORY_COMMENT_PREFIX));
  return pier_history_entry_to_instruction (entry->created_by);
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
      g_autofree char *instruction = pier_history_entry_get_instruction (e);

      if (instruction != NULL)
        g_string_append_printf (out, "%s\n", instruction);
      else if (e->comment != NULL)
        g_string_append_printf (out, "# %s\n", e->comment);
    }
  return g_string_free (out, FALSE);
}
