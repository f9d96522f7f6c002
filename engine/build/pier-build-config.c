/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Instructions as text (history comments, created_by) and their effect on the image config. */
#include "pier-build-private.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-signal.h"

#include <jansson.h>
#include <string.h>

/* A Dockerfile word that needs no quotes: nothing the lexer treats specially (whitespace,
 * quotes, "$", the escape character) and no heredoc marker. */
static gboolean
is_plain_word (const char *s)
{
  if (*s == '\0' || g_str_has_prefix (s, "<<"))
    return FALSE;
  for (const char *p = s; *p; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p) || strchr ("\"'$\\", *p) != NULL)
      return FALSE;
  return TRUE;
}

/* In double quotes only the escape character, the quote and "$" are special. */
static void
append_quoted (GString *out, const char *s)
{
  if (is_plain_word (s))
    {
      g_string_append (out, s);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = s; *p; p++)
    {
      if (*p == '"' || *p == '\\' || *p == '$')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* Text that is not UTF-8 stays as it is, for the image config's writer to refuse by name. */
static char *
json_quote (const char *s)
{
  json_t *str = json_string (s);
  char *dumped = str ? json_dumps (str, JSON_ENCODE_ANY) : NULL;
  char *out = dumped ? g_strdup (dumped) : g_strconcat ("\"", s, "\"", NULL);

  free (dumped);
  json_decref (str);
  return out;
}

/* ["a", "b"]: a Dockerfile's JSON form. */
static void
append_json_array (GString *out, const char *const *strv, guint n)
{
  g_string_append_c (out, '[');
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *q = json_quote (strv[i]);
      g_string_append_printf (out, "%s%s", i ? ", " : "", q);
    }
  g_string_append_c (out, ']');
}

/* ["a" "b"]: how the classic builder prints a list in created_by (Go's %q of a slice). */
static void
append_go_list (GString *out, const char *const *strv)
{
  g_string_append_c (out, '[');
  for (guint i = 0; strv && strv[i]; i++)
    {
      g_autofree char *q = json_quote (strv[i]);
      g_string_append_printf (out, "%s%s", i ? " " : "", q);
    }
  g_string_append_c (out, ']');
}

static void
append_flags (GString *out, const PierInstruction *insn)
{
  for (guint i = 0; i < insn->n_flags; i++)
    {
      g_string_append_printf (out, " --%s", insn->flags[i].name);
      if (insn->flags[i].value != NULL)
        g_string_append_printf (out, "=%s", insn->flags[i].value);
    }
}

static void
append_heredoc_bodies (GString *out, const PierInstruction *insn)
{
  for (guint i = 0; i < insn->n_heredocs; i++)
    g_string_append_printf (out, "\n%s%s", insn->heredocs[i].content, insn->heredocs[i].name);
}

/* COPY/ADD arguments: heredocs get a quoted delimiter (their content is already expanded and
 * must not be expanded again); words that need quoting put the list in JSON form. */
static void
append_copy_args (GString *out, const PierInstruction *insn)
{
  gboolean json = insn->n_heredocs == 0 && insn->json_form;
  guint doc = 0;

  for (guint i = 0; i < insn->n_args && insn->n_heredocs == 0; i++)
    if (!is_plain_word (insn->args[i]))
      json = TRUE;
  if (json)
    {
      g_string_append_c (out, ' ');
      append_json_array (out, (const char *const *) insn->args, insn->n_args);
      return;
    }
  for (guint i = 0; i < insn->n_args; i++)
    {
      g_string_append_c (out, ' ');
      if (g_str_has_prefix (insn->args[i], "<<") && doc < insn->n_heredocs)
        g_string_append_printf (out, "<<\"%s\"", insn->heredocs[doc++].name);
      else
        append_quoted (out, insn->args[i]);
    }
  append_heredoc_bodies (out, insn);
}

char *
pier_build_instruction_text (const PierInstruction *insn, const char *const *arg_values)
{
  g_autofree char *keyword = g_ascii_strup (insn->keyword, -1);
  GString *out = g_string_new (keyword);
  const char *k = insn->keyword;

  append_flags (out, insn);
  if (strcmp (k, "run") == 0 || strcmp (k, "cmd") == 0 || strcmp (k, "entrypoint") == 0
      || strcmp (k, "shell") == 0)
    {
      g_string_append_c (out, ' ');
      if (insn->json_form)
        append_json_array (out, (const char *const *) insn->args, insn->n_args);
      else if (insn->n_args > 0)
        g_string_append (out, insn->args[0]);
      append_heredoc_bodies (out, insn);
    }
  else if (strcmp (k, "healthcheck") == 0)
    {
      if (insn->n_args > 0 && g_ascii_strcasecmp (insn->args[0], "NONE") == 0)
        g_string_append (out, " NONE");
      else if (insn->n_args > 1)
        {
          g_string_append (out, " CMD ");
          if (insn->json_form)
            append_json_array (out, (const char *const *) insn->args + 1, insn->n_args - 1);
          else
            g_string_append (out, insn->args[1]);
        }
    }
  else if (strcmp (k, "env") == 0 || strcmp (k, "label") == 0)
    for (guint i = 0; i + 1 < insn->n_args; i += 2)
      {
        g_string_append_c (out, ' ');
        append_quoted (out, insn->args[i]);
        g_string_append_c (out, '=');
        append_quoted (out, insn->args[i + 1]);
      }
  else if (strcmp (k, "arg") == 0)
    for (guint i = 0; i < insn->n_args; i++)
      {
        g_autofree char *name = NULL;
        g_autofree char *value = NULL;
        const char *v;

        pier_dockerfile_split_arg (insn->args[i], &name, &value);
        v = arg_values != NULL ? arg_values[i] : value;
        g_string_append_printf (out, " %s", name);
        if (v != NULL)
          {
            g_string_append_c (out, '=');
            append_quoted (out, v);
          }
      }
  else if (strcmp (k, "copy") == 0 || strcmp (k, "add") == 0)
    append_copy_args (out, insn);
  else if (strcmp (k, "onbuild") == 0 && insn->onbuild != NULL)
    g_string_append_printf (out, " %s", insn->onbuild->original);
  else if (strcmp (k, "volume") == 0 && insn->json_form)
    {
      g_string_append_c (out, ' ');
      append_json_array (out, (const char *const *) insn->args, insn->n_args);
    }
  else
    for (guint i = 0; i < insn->n_args; i++)
      g_string_append_printf (out, " %s", insn->args[i]);
  return g_string_free (out, FALSE);
}

char *
pier_build_nop_created_by (const PierInstruction *insn, const char *text,
                           const PierImageConfig *config)
{
  GString *out = g_string_new ("/bin/sh -c #(nop)  ");
  const char *k = insn->keyword;
  const PierRunConfig *rc = &config->config;

  if (strcmp (k, "cmd") == 0 || strcmp (k, "entrypoint") == 0 || strcmp (k, "shell") == 0)
    {
      g_autofree char *keyword = g_ascii_strup (k, -1);
      g_string_append_printf (out, "%s ", keyword);
      append_go_list (out, (const char *const *) (strcmp (k, "cmd") == 0          ? rc->cmd
                                                  : strcmp (k, "entrypoint") == 0 ? rc->entrypoint
                                                                                  : rc->shell));
    }
  else if (strcmp (k, "volume") == 0)
    {
      g_string_append (out, "VOLUME ");
      append_go_list (out, (const char *const *) insn->args);
    }
  else
    g_string_append (out, text);
  return g_string_free (out, FALSE);
}

PierHistoryEntry *
pier_build_history_entry (const char *created, const char *created_by, const char *comment,
                          const char *author, gboolean empty_layer)
{
  PierHistoryEntry *e = g_new0 (PierHistoryEntry, 1);

  e->created = g_strdup (created);
  e->created_by = g_strdup (created_by);
  e->comment = g_strdup (comment);
  e->author = g_strdup (author);
  e->empty_layer = empty_layer;
  return e;
}

/* ---- configuration ---- */

/* The key @entry is indexed by: up to @separator ('=' for ENV's NAME=value), else whole. */
static char *
entry_key (const char *entry, char separator)
{
  const char *end = separator ? strchr (entry, separator) : NULL;

  return end ? g_strndup (entry, end - entry) : g_strdup (entry);
}

/* Indexes *@strv at its first change; the first of entries with the same key wins, as
 * g_environ_getenv() would find it. */
static void
strv_index_attach (PierStrvIndex *ix, GStrv *strv, char separator)
{
  if (ix->index != NULL)
    return;
  ix->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (*strv == NULL)
    *strv = g_new0 (char *, 1);
  ix->len = g_strv_length (*strv);
  ix->alloc = ix->len + 1;
  for (guint i = 0; i < ix->len; i++)
    {
      char *key = entry_key ((*strv)[i], separator);
      if (g_hash_table_contains (ix->index, key))
        g_free (key);
      else
        g_hash_table_insert (ix->index, key, GUINT_TO_POINTER (i));
    }
}

/* Puts @entry (taken) into *@strv: in place of the entry with the same key when @replace, else
 * (a set) only when there is none; with @separator '\0' and @unique FALSE always at the end. */
static void
strv_index_put (PierStrvIndex *ix, GStrv *strv, char separator, gboolean unique, char *entry)
{
  g_autofree char *key = NULL;
  gpointer position;

  strv_index_attach (ix, strv, separator);
  if (unique)
    {
      key = entry_key (entry, separator);
      if (g_hash_table_lookup_extended (ix->index, key, NULL, &position))
        {
          char **slot = &(*strv)[GPOINTER_TO_UINT (position)];
          /* ENV replaces a value; EXPOSE and VOLUME keep the one they have. */
          if (separator != '\0')
            {
              g_free (*slot);
              *slot = entry;
            }
          else
            g_free (entry);
          return;
        }
      g_hash_table_insert (ix->index, g_steal_pointer (&key), GUINT_TO_POINTER (ix->len));
    }
  if (ix->len + 2 > ix->alloc)
    {
      ix->alloc = MAX (16, ix->alloc * 2);
      *strv = g_renew (char *, *strv, ix->alloc);
    }
  (*strv)[ix->len++] = entry;
  (*strv)[ix->len] = NULL;
}

static void
strv_index_clear (PierStrvIndex *ix)
{
  g_clear_pointer (&ix->index, g_hash_table_unref);
  ix->len = ix->alloc = 0;
}

void
pier_config_edit_clear (PierConfigEdit *edit)
{
  strv_index_clear (&edit->env);
  strv_index_clear (&edit->exposed_ports);
  strv_index_clear (&edit->volumes);
  strv_index_clear (&edit->on_build);
}

static GStrv
strv_from_args (const PierInstruction *insn, guint from)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv out;

  for (guint i = from; i < insn->n_args; i++)
    g_strv_builder_add (b, insn->args[i]);
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

/* A command as CMD/ENTRYPOINT/HEALTHCHECK store it: the JSON form as is, the shell form through
 * the image's SHELL. */
static GStrv
command_from_args (const PierImageConfig *config, const PierInstruction *insn, guint from)
{
  const char *const default_shell[] = { "/bin/sh", "-c", NULL };
  GStrvBuilder *b;
  GStrv out;

  if (insn->json_form)
    return strv_from_args (insn, from);
  b = g_strv_builder_new ();
  g_strv_builder_addv (b, config->config.shell && config->config.shell[0]
                              ? (const char **) config->config.shell
                              : (const char **) default_shell);
  if (from < insn->n_args)
    g_strv_builder_add (b, insn->args[from]);
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

static gboolean
parse_port (const char *text, guint64 *port)
{
  return g_ascii_string_to_unsigned (text, 10, 0, 65535, port, NULL);
}

/* "80", "80/udp", "8000-8002/tcp" → "80/tcp" ... as ExposedPorts keys. */
static gboolean
apply_expose (PierRunConfig *rc, PierConfigEdit *edit, const char *word, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (word, -1);
  char *slash = strchr (lower, '/');
  const char *proto = slash ? slash + 1 : "tcp";
  char *dash;
  guint64 first, last;

  if (slash)
    *slash = '\0';
  dash = strchr (lower, '-');
  if (dash)
    *dash = '\0';
  if (!parse_port (lower, &first) || !(dash ? parse_port (dash + 1, &last) : (last = first, TRUE))
      || last < first
      || (strcmp (proto, "tcp") != 0 && strcmp (proto, "udp") != 0 && strcmp (proto, "sctp") != 0))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("invalid port “%s”: a number, a range such as 8000-8010, optionally /tcp, "
                     "/udp or /sctp"), word);
      return FALSE;
    }
  for (guint64 p = first; p <= last; p++)
    strv_index_put (&edit->exposed_ports, &rc->exposed_ports, '\0', TRUE,
                    g_strdup_printf ("%" G_GUINT64_FORMAT "/%s", p, proto));
  return TRUE;
}

static gboolean
apply_healthcheck (PierImageConfig *config, const PierInstruction *insn, GError **error)
{
  g_autofree PierHealthcheck *hc = g_new0 (PierHealthcheck, 1);
  struct {
    const char *flag;
    gint64 *target;
  } durations[] = {
    { "interval", &hc->interval_ns },
    { "timeout", &hc->timeout_ns },
    { "start-period", &hc->start_period_ns },
    { "start-interval", &hc->start_interval_ns },
  };
  const char *retries = pier_instruction_get_flag (insn, "retries");

  if (insn->n_args == 0 || g_ascii_strcasecmp (insn->args[0], "NONE") == 0)
    hc->test = g_strdupv ((char *[]){ "NONE", NULL });
  else if (insn->json_form)
    {
      GStrv command = strv_from_args (insn, 1);
      GStrvBuilder *b = g_strv_builder_new ();
      g_strv_builder_add (b, "CMD");
      g_strv_builder_addv (b, (const char **) command);
      hc->test = g_strv_builder_end (b);
      g_strv_builder_unref (b);
      g_strfreev (command);
    }
  else
    hc->test = g_strdupv ((char *[]){ "CMD-SHELL", insn->n_args > 1 ? insn->args[1] : "", NULL });
  for (gsize i = 0; i < G_N_ELEMENTS (durations); i++)
    {
      const char *value = pier_instruction_get_flag (insn, durations[i].flag);
      if (value != NULL && !pier_dockerfile_parse_duration (value, durations[i].target, error))
        {
          g_strfreev (hc->test);
          return FALSE;
        }
    }
  if (retries != NULL)
    {
      guint64 n;
      if (!g_ascii_string_to_unsigned (retries, 10, 0, G_MAXINT, &n, NULL))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("invalid --retries “%s”: a whole number"), retries);
          g_strfreev (hc->test);
          return FALSE;
        }
      hc->retries = n;
    }
  if (config->config.healthcheck != NULL)
    {
      g_strfreev (config->config.healthcheck->test);
      g_free (config->config.healthcheck);
    }
  config->config.healthcheck = g_steal_pointer (&hc);
  return TRUE;
}

gboolean
pier_build_apply_config (PierImageConfig *config, const PierInstruction *insn,
                         PierConfigEdit *edit, GError **error)
{
  PierRunConfig *rc = &config->config;
  const char *k = insn->keyword;

  if (strcmp (k, "env") == 0)
    {
      for (guint i = 0; i + 1 < insn->n_args; i += 2)
        strv_index_put (&edit->env, &rc->env, '=', TRUE,
                        g_strconcat (insn->args[i], "=", insn->args[i + 1], NULL));
    }
  else if (strcmp (k, "label") == 0)
    for (guint i = 0; i + 1 < insn->n_args; i += 2)
      pier_run_config_set_label (rc, insn->args[i], insn->args[i + 1]);
  else if (strcmp (k, "expose") == 0)
    {
      for (guint i = 0; i < insn->n_args; i++)
        if (!apply_expose (rc, edit, insn->args[i], error))
          return FALSE;
    }
  else if (strcmp (k, "volume") == 0)
    for (guint i = 0; i < insn->n_args; i++)
      strv_index_put (&edit->volumes, &rc->volumes, '\0', TRUE, g_strdup (insn->args[i]));
  else if (strcmp (k, "user") == 0)
    {
      g_free (rc->user);
      rc->user = g_strdup (insn->n_args > 0 ? insn->args[0] : "");
    }
  else if (strcmp (k, "workdir") == 0)
    {
      const char *dir = insn->n_args > 0 ? insn->args[0] : "/";
      const char *base = rc->working_dir && *rc->working_dir ? rc->working_dir : "/";
      char *resolved = g_canonicalize_filename (dir, base);
      g_free (rc->working_dir);
      rc->working_dir = resolved;
    }
  else if (strcmp (k, "cmd") == 0)
    {
      g_strfreev (rc->cmd);
      rc->cmd = command_from_args (config, insn, 0);
      edit->cmd_set = TRUE;
    }
  else if (strcmp (k, "entrypoint") == 0)
    {
      g_strfreev (rc->entrypoint);
      rc->entrypoint = command_from_args (config, insn, 0);
      /* As Docker: an ENTRYPOINT drops the CMD the base image had, not one set here. */
      if (!edit->cmd_set)
        g_clear_pointer (&rc->cmd, g_strfreev);
    }
  else if (strcmp (k, "shell") == 0)
    {
      g_strfreev (rc->shell);
      rc->shell = strv_from_args (insn, 0);
    }
  else if (strcmp (k, "stopsignal") == 0)
    {
      int signal;
      if (insn->n_args > 0 && !pier_signal_parse (insn->args[0], &signal, error))
        return FALSE;
      g_free (rc->stop_signal);
      rc->stop_signal = g_strdup (insn->n_args > 0 ? insn->args[0] : NULL);
    }
  else if (strcmp (k, "healthcheck") == 0)
    return apply_healthcheck (config, insn, error);
  else if (strcmp (k, "onbuild") == 0)
    {
      if (insn->onbuild != NULL)
        strv_index_put (&edit->on_build, &rc->on_build, '\0', FALSE,
                        g_strdup (insn->onbuild->original));
    }
  else if (strcmp (k, "maintainer") == 0)
    {
      g_free (config->author);
      config->author = g_strdup (insn->n_args > 0 ? insn->args[0] : "");
    }
  else if (strcmp (k, "arg") != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("%s does not change an image's configuration"), insn->keyword);
      return FALSE;
    }
  return TRUE;
}
