/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading other builders' created_by back as Dockerfile instructions. The classic builder and
 * BuildKit print Go values with fmt: lists as %q (["a" "b c"]) or %v ([a b c]), structures as
 * %+v ({Test:[...] Interval:5s}) or %q (&{["CMD" "x"] "5s" '\x03'}), key=value pairs without
 * quotes. Each is parsed into an instruction and written out by the builder's own writer, so
 * what comes back is quoted as a Dockerfile needs. */
#include "pier-created-by-private.h"

#include "pier-build-config.h"
#include "pier-dockerfile.h"

#include <string.h>

#define BUILDKIT_MARK "# buildkit"
#define DEFAULT_SHELL "/bin/sh -c"

/* ---- Go's fmt ---- */

/* The escape after a backslash at *@p (which it advances past), as strconv.Quote writes it:
 * @is_byte for \x and octal (a raw byte), else a code point. */
static gboolean
go_escape (const char **p, guint32 *value, gboolean *is_byte)
{
  static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\''\"\"";
  const char *s = *p;
  guint digits = 0, base = 16;

  *is_byte = FALSE;
  for (const char *e = simple; *e; e += 2)
    if (*s == *e)
      {
        *value = (guchar) e[1];
        *p = s + 1;
        return TRUE;
      }
  switch (*s)
    {
    case 'x':
      digits = 2;
      *is_byte = TRUE;
      s++;
      break;
    case 'u':
      digits = 4;
      s++;
      break;
    case 'U':
      digits = 8;
      s++;
      break;
    default:
      if (*s < '0' || *s > '7')
        return FALSE;
      digits = 3;
      base = 8;
      *is_byte = TRUE;
    }
  *value = 0;
  for (guint i = 0; i < digits; i++, s++)
    {
      int d = base == 16 ? g_ascii_xdigit_value (*s) : (*s >= '0' && *s <= '7' ? *s - '0' : -1);
      if (d < 0)
        return FALSE;
      *value = *value * base + (guint32) d;
    }
  if ((*is_byte && *value > 0xff) || (!*is_byte && !g_unichar_validate (*value)))
    return FALSE;
  *p = s;
  return TRUE;
}

/* A Go-quoted string at *@p ("..." with Go's escapes), appended to @out; *@p goes past it. */
static gboolean
go_unquote (const char **p, GString *out)
{
  const char *s = *p;

  if (*s++ != '"')
    return FALSE;
  while (*s != '"')
    {
      guint32 value;
      gboolean is_byte;

      if (*s == '\0')
        return FALSE;
      if (*s != '\\')
        {
          g_string_append_c (out, *s++);
          continue;
        }
      s++;
      if (!go_escape (&s, &value, &is_byte))
        return FALSE;
      if (is_byte)
        g_string_append_c (out, (char) value);
      else
        g_string_append_unichar (out, value);
    }
  *p = s + 1;
  return TRUE;
}

/* A Go rune literal ('\x03', 'A') as %q prints an int. */
static gboolean
go_rune (const char **p, guint32 *value)
{
  const char *s = *p;
  gboolean is_byte;

  if (*s++ != '\'')
    return FALSE;
  if (*s == '\\')
    {
      s++;
      if (!go_escape (&s, value, &is_byte))
        return FALSE;
    }
  else
    {
      *value = g_utf8_get_char_validated (s, -1);
      if (*value == (gunichar) -1 || *value == (gunichar) -2 || *value == 0)
        return FALSE;
      s = g_utf8_next_char (s);
    }
  if (*s != '\'')
    return FALSE;
  *p = s + 1;
  return TRUE;
}

static void
skip_spaces (const char **p)
{
  while (**p == ' ')
    (*p)++;
}

/* The quoted strings of a %q list up to its "]", *@p just inside the "[". */
static GStrv
go_quoted_list (const char **p)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  for (skip_spaces (p); **p != ']'; skip_spaces (p))
    {
      g_autoptr (GString) item = g_string_new (NULL);
      if (!go_unquote (p, item))
        return NULL;
      g_strv_builder_add (b, item->str);
    }
  (*p)++;
  return g_strv_builder_end (b);
}

/* @text, a whole []string as fmt prints it: ["a" "b c"] (%q) or [a b c] (%v, where words
 * holding spaces cannot be told apart). NULL when it is not one. */
static GStrv
go_list (const char *text)
{
  gsize len = strlen (text);
  g_autofree char *inner = NULL;
  const char *p;

  if (len < 2 || text[0] != '[' || text[len - 1] != ']')
    return NULL;
  p = text + 1;
  skip_spaces (&p);
  if (*p == '"')
    {
      g_auto (GStrv) list = go_quoted_list (&p);
      return list != NULL && *p == '\0' ? g_steal_pointer (&list) : NULL;
    }
  inner = g_strndup (text + 1, len - 2);
  return g_strsplit_set (g_strstrip (inner), " ", -1);
}

/* ---- instructions, written by the builder's writer ---- */

static PierInstruction *
instruction_new (const char *keyword, GStrv args, gboolean json_form)
{
  PierInstruction *insn = g_new0 (PierInstruction, 1);

  insn->keyword = g_ascii_strdown (keyword, -1);
  insn->args = args != NULL ? args : g_new0 (char *, 1);
  insn->n_args = g_strv_length (insn->args);
  insn->arg_lengths = g_new0 (gsize, insn->n_args);
  for (guint i = 0; i < insn->n_args; i++)
    insn->arg_lengths[i] = strlen (insn->args[i]);
  insn->json_form = json_form;
  return insn;
}

static void
instruction_add_flag (PierInstruction *insn, const char *name, const char *value)
{
  insn->flags = g_renew (PierInstructionFlag, insn->flags, insn->n_flags + 1);
  insn->flags[insn->n_flags].name = g_strdup (name);
  insn->flags[insn->n_flags].value = g_strdup (value);
  insn->n_flags++;
}

static char *
instruction_text (PierInstruction *insn)
{
  g_autoptr (PierInstruction) owned = insn;

  return pier_build_instruction_text (owned, NULL);
}

/* ---- RUN ---- */

/* The shell a shell-form RUN ran with, joined with spaces as created_by has it. */
static char *
shell_prefix (const PierImageConfig *config)
{
  if (config != NULL && config->config.shell != NULL && config->config.shell[0] != NULL)
    return g_strjoinv (" ", config->config.shell);
  return g_strdup (DEFAULT_SHELL);
}

/* @text after "@shell " when it starts so; else NULL. */
static const char *
after_shell (const char *text, const char *shell)
{
  gsize len = strlen (shell);

  if (strncmp (text, shell, len) == 0 && text[len] == ' ')
    return text + len + 1;
  return NULL;
}

/* A heredoc delimiter that no line of @body is. */
static char *
heredoc_delimiter (const char *body)
{
  g_auto (GStrv) lines = g_strsplit (body, "\n", -1);
  char *name = g_strdup ("EOF");

  for (guint n = 1; g_strv_contains ((const char *const *) lines, name); n++)
    {
      g_free (name);
      name = g_strdup_printf ("EOF%u", n);
    }
  return name;
}

/* A shell-form RUN of @command: one line, or a heredoc (which the shell runs as a script) when
 * it spans lines or ends in what would continue the line. */
static char *
run_shell_form (const char *command)
{
  g_autofree char *name = NULL;
  g_autofree char *marker = NULL;
  PierInstruction *insn;

  if (strchr (command, '\n') == NULL && !g_str_has_suffix (command, "\\"))
    return instruction_text (instruction_new ("run", g_strdupv ((char *[]){ (char *) command, NULL }),
                                              FALSE));
  name = heredoc_delimiter (command);
  marker = g_strconcat ("<<", name, NULL);
  insn = instruction_new ("run", g_strdupv ((char *[]){ marker, NULL }), FALSE);
  insn->heredocs = g_new0 (PierHeredoc, 1);
  insn->n_heredocs = 1;
  insn->heredocs[0].name = g_steal_pointer (&name);
  insn->heredocs[0].content = g_strconcat (command, "\n", NULL);
  return instruction_text (insn);
}

/* The command after the shell a shell-form RUN names first: /bin/sh -c, or the image's SHELL
 * (the last one set; earlier RUNs may have had the default). */
static const char *
shell_command (const char *text, const char *shell)
{
  const char *command = after_shell (text, DEFAULT_SHELL);

  return command != NULL ? command : after_shell (text, shell);
}

/* "[|N K=V ...] /bin/sh -c make" (shell form, with the build args it saw) or "[|N ...] make
 * all" (exec form, its words joined with spaces). */
static char *
read_run (const char *text, const PierImageConfig *config)
{
  g_autofree char *shell = shell_prefix (config);
  g_auto (GStrv) words = NULL;
  const char *command = shell_command (text, shell);
  guint64 n_args = 0;
  guint first = 0;

  if (command != NULL)
    return run_shell_form (command);
  if (text[0] == '|')
    {
      /* Build-arg values hold spaces unquoted: the shell marks where the command starts. */
      const char *shells[] = { DEFAULT_SHELL, shell };
      for (gsize i = 0; i < G_N_ELEMENTS (shells); i++)
        {
          g_autofree char *marker = g_strconcat (" ", shells[i], " ", NULL);
          const char *found = strstr (text, marker);
          if (found != NULL)
            return run_shell_form (found + strlen (marker));
        }
    }
  words = g_strsplit (text, " ", -1);
  if (words[0] != NULL && words[0][0] == '|')
    {
      if (!g_ascii_string_to_unsigned (words[0] + 1, 10, 0, G_MAXUINT - 1, &n_args, NULL))
        return NULL;
      first = 1 + (guint) n_args;
      for (guint i = 1; i < first; i++)
        if (words[i] == NULL || strchr (words[i], '=') == NULL)
          return NULL;
    }
  if (words[first] == NULL || *words[first] == '\0'
      /* BuildKit ran a heredoc with a #! line from /dev/pipes/ and kept no content. */
      || (g_str_has_prefix (words[first], "/dev/pipes/") && words[first + 1] == NULL))
    return NULL;
  return instruction_text (instruction_new ("run", g_strdupv (words + first), TRUE));
}

/* ---- ENV, LABEL, ARG ---- */

typedef const char *(*KnownValueFunc) (const PierImageConfig *config, const char *name);

static const char *
known_env (const PierImageConfig *config, const char *name)
{
  return config != NULL ? g_environ_getenv (config->config.env, name) : NULL;
}

static const char *
known_label (const PierImageConfig *config, const char *name)
{
  return config != NULL ? pier_run_config_get_label (&config->config, name) : NULL;
}

/* "K=V K2=V2" with unquoted values: a word with "=" starts the next pair unless the image's
 * final value of the current name (@known) goes on with it. [name, value, ...], or NULL when
 * the text does not start with a pair. */
static GStrv
read_pairs (const char *text, KnownValueFunc known, const PierImageConfig *config)
{
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  GString *value = NULL;

  for (char **w = words; *w; w++)
    {
      const char *eq = strchr (*w, '=');
      gboolean starts = eq != NULL && eq != *w;

      if (starts && value != NULL)
        {
          const char *whole = known (config, out->pdata[out->len - 1]);
          g_autofree char *longer = g_strconcat (value->str, " ", *w, NULL);
          starts = whole == NULL || !g_str_has_prefix (whole, longer);
        }
      if (starts)
        {
          if (value != NULL)
            g_ptr_array_add (out, g_string_free (value, FALSE));
          g_ptr_array_add (out, g_strndup (*w, eq - *w));
          value = g_string_new (eq + 1);
        }
      else if (value != NULL)
        g_string_append_printf (value, " %s", *w);
      else
        return NULL;
    }
  if (value == NULL)
    return NULL;
  g_ptr_array_add (out, g_string_free (value, FALSE));
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

static gboolean
is_arg_name (const char *word)
{
  if (!g_ascii_isalpha (*word) && *word != '_')
    return FALSE;
  for (const char *p = word; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/* "A=1 B": words with "=" and bare names; any other word goes on with the value before. */
static GStrv
read_arg_words (const char *text)
{
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  for (char **w = words; *w; w++)
    {
      const char *eq = strchr (*w, '=');
      if ((eq != NULL && eq != *w) || is_arg_name (*w))
        g_ptr_array_add (out, g_strdup (*w));
      else if (out->len > 0 && strchr (out->pdata[out->len - 1], '=') != NULL)
        {
          char *joined = g_strconcat (out->pdata[out->len - 1], " ", *w, NULL);
          g_free (out->pdata[out->len - 1]);
          out->pdata[out->len - 1] = joined;
        }
      else
        return NULL;
    }
  if (out->len == 0)
    return NULL;
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

/* ---- HEALTHCHECK ---- */

static const char *const healthcheck_durations[] = { "interval", "timeout", "start-period",
                                                      "start-interval" };

/* The test list's first word is its kind: NONE, CMD (the words after it) or CMD-SHELL (one
 * shell command). */
static PierInstruction *
healthcheck_from_test (GStrv test)
{
  guint n = test != NULL ? g_strv_length (test) : 0;
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  if (n == 1 && strcmp (test[0], "NONE") == 0)
    return instruction_new ("healthcheck", g_strdupv ((char *[]){ "NONE", NULL }), FALSE);
  if (n < 2 || (strcmp (test[0], "CMD") != 0 && strcmp (test[0], "CMD-SHELL") != 0))
    return NULL;
  g_strv_builder_add (b, "CMD");
  if (strcmp (test[0], "CMD") == 0)
    {
      g_strv_builder_addv (b, (const char **) test + 1);
      return instruction_new ("healthcheck", g_strv_builder_end (b), TRUE);
    }
  {
    g_autofree char *command = g_strjoinv (" ", test + 1);
    g_strv_builder_add (b, command);
  }
  return instruction_new ("healthcheck", g_strv_builder_end (b), FALSE);
}

static void
healthcheck_add_duration (PierInstruction *insn, const char *flag, const char *duration)
{
  gint64 ns;

  if (pier_dockerfile_parse_duration (duration, &ns, NULL) && ns != 0)
    instruction_add_flag (insn, flag, duration);
}

static void
healthcheck_add_retries (PierInstruction *insn, guint64 retries)
{
  if (retries > 0)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, retries);
      instruction_add_flag (insn, "retries", text);
    }
}

/* BuildKit's %+v: {Test:[CMD-SHELL curl -f x] Interval:5s Timeout:0s ... Retries:3}. */
static PierInstruction *
healthcheck_buildkit (const char *text)
{
  static const char *const names[] = { "Interval", "Timeout", "StartPeriod", "StartInterval" };
  gsize len = strlen (text);
  g_autofree char *body = NULL;
  g_autofree char *list = NULL;
  g_auto (GStrv) fields = NULL;
  g_auto (GStrv) test = NULL;
  PierInstruction *insn;
  char *end;

  if (len < 2 || text[len - 1] != '}' || !g_str_has_prefix (text, "{Test:["))
    return NULL;
  body = g_strndup (text + strlen ("{Test:["), len - strlen ("{Test:[") - 1);
  /* The command is printed as it is, "]" and all: the fields start after the last "] Name:". */
  end = g_strrstr (body, "] Interval:");
  if (end == NULL && g_str_has_suffix (body, "]"))
    end = body + strlen (body) - 1;
  if (end == NULL)
    return NULL;
  list = g_strndup (body, end - body);
  test = g_strsplit (list, " ", 2);
  if (test[0] != NULL && strcmp (test[0], "CMD") == 0 && test[1] != NULL)
    {
      g_auto (GStrv) words = g_strsplit (test[1], " ", -1);
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      g_strv_builder_add (b, "CMD");
      g_strv_builder_addv (b, (const char **) words);
      g_strfreev (test);
      test = g_strv_builder_end (b);
    }
  if ((insn = healthcheck_from_test (test)) == NULL)
    return NULL;
  fields = g_strsplit (g_strchug (end + 1), " ", -1);
  for (char **f = fields; *f; f++)
    {
      const char *colon = strchr (*f, ':');
      guint64 retries;
      if (colon == NULL)
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        if (strncmp (*f, names[i], colon - *f) == 0 && names[i][colon - *f] == '\0')
          healthcheck_add_duration (insn, healthcheck_durations[i], colon + 1);
      if (g_str_has_prefix (*f, "Retries:")
          && g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXINT32, &retries, NULL))
        healthcheck_add_retries (insn, retries);
    }
  return insn;
}

/* The classic builder's %q: &{["CMD-SHELL" "curl x"] "5s" "3s" "0s" '\x03'} (durations in
 * field order, as many as its version had, then the retries as a rune). */
static PierInstruction *
healthcheck_classic (const char *text)
{
  const char *p = text + strlen ("&{[");
  g_auto (GStrv) test = NULL;
  g_autoptr (GPtrArray) durations = g_ptr_array_new_with_free_func (g_free);
  PierInstruction *insn;
  guint32 retries = 0;

  if (!g_str_has_prefix (text, "&{[") || (test = go_quoted_list (&p)) == NULL)
    return NULL;
  for (skip_spaces (&p); *p == '"'; skip_spaces (&p))
    {
      GString *d = g_string_new (NULL);
      if (!go_unquote (&p, d))
        {
          g_string_free (d, TRUE);
          return NULL;
        }
      g_ptr_array_add (durations, g_string_free (d, FALSE));
    }
  if ((*p == '\'' && !go_rune (&p, &retries)) || strcmp (p, "}") != 0
      || durations->len > G_N_ELEMENTS (healthcheck_durations)
      || (insn = healthcheck_from_test (test)) == NULL)
    return NULL;
  for (guint i = 0; i < durations->len; i++)
    healthcheck_add_duration (insn, healthcheck_durations[i], durations->pdata[i]);
  healthcheck_add_retries (insn, retries);
  return insn;
}

/* ---- one instruction ---- */

/* "[x]": the classic builder printed USER and STOPSIGNAL's argument list with %v. */
static char *
single_word (const char *keyword, const char *rest)
{
  gsize len = strlen (rest);

  if (len > 2 && rest[0] == '[' && rest[len - 1] == ']' && strchr (rest, ' ') == NULL)
    return g_strdup_printf ("%s %.*s", keyword, (int) len - 2, rest + 1);
  return g_strdup_printf ("%s %s", keyword, rest);
}

/* EXPOSE's ports: "[80/tcp 443/tcp]" (BuildKit), "map[80/tcp:{} 443/tcp:{}]" (older
 * BuildKit), "80/tcp 443" (the classic builder, as written). */
static char *
read_expose (const char *rest)
{
  g_autoptr (GString) out = g_string_new ("EXPOSE");
  g_autofree char *inner = NULL;
  g_auto (GStrv) words = NULL;
  gsize len = strlen (rest);

  if (g_str_has_prefix (rest, "map[") && g_str_has_suffix (rest, "]"))
    inner = g_strndup (rest + 4, len - 5);
  else if (rest[0] == '[' && g_str_has_suffix (rest, "]"))
    inner = g_strndup (rest + 1, len - 2);
  else
    inner = g_strdup (rest);
  words = g_strsplit (g_strstrip (inner), " ", -1);
  for (char **w = words; *w; w++)
    {
      if (**w == '\0')
        continue;
      if (g_str_has_suffix (*w, ":{}"))
        (*w)[strlen (*w) - 3] = '\0';
      g_string_append_printf (out, " %s", *w);
    }
  return out->len > strlen ("EXPOSE") ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* A list-valued instruction (CMD ENTRYPOINT SHELL VOLUME) in JSON form. */
static char *
read_list (const char *keyword, const char *rest)
{
  GStrv list = go_list (rest);

  if (list == NULL)
    return g_strdup_printf ("%s %s", keyword, rest);
  return instruction_text (instruction_new (keyword, list, TRUE));
}

/* COPY and ADD: BuildKit writes the instruction ("COPY --chown=1 a /b"); the classic builder
 * names the sources by digest and puts "in" before the destination. */
static char *
read_copy (const char *keyword, const char *rest)
{
  g_auto (GStrv) words = g_strsplit (rest, " ", -1);
  g_autofree char *joined = NULL;
  char *in;

  for (char **w = words; *w; w++)
    if (g_str_has_prefix (*w, "<<"))
      return NULL; /* a heredoc source: its content was not recorded */
  joined = g_strdup_printf ("%s %s", keyword, rest);
  in = strstr (joined, " in ");
  if (in != NULL && (g_str_has_prefix (rest, "file:") || g_str_has_prefix (rest, "dir:")
                     || g_str_has_prefix (rest, "multi:")))
    memmove (in, in + 3, strlen (in + 3) + 1);
  return g_steal_pointer (&joined);
}

static char *
read_instruction (const char *text, const PierImageConfig *config)
{
  g_autofree char *keyword = NULL;
  const char *space = strchr (text, ' ');
  const char *rest = space != NULL ? space + 1 : "";
  PierInstruction *insn = NULL;
  GStrv args;

  keyword = space != NULL ? g_strndup (text, space - text) : g_strdup (text);
  while (*rest == ' ')
    rest++;
  if (strcmp (keyword, "RUN") == 0)
    return read_run (rest, config);
  if (strcmp (keyword, "CMD") == 0 || strcmp (keyword, "ENTRYPOINT") == 0
      || strcmp (keyword, "SHELL") == 0 || strcmp (keyword, "VOLUME") == 0)
    return read_list (keyword, rest);
  if (strcmp (keyword, "EXPOSE") == 0)
    return read_expose (rest);
  if (strcmp (keyword, "ENV") == 0 || strcmp (keyword, "LABEL") == 0)
    {
      args = read_pairs (rest, strcmp (keyword, "ENV") == 0 ? known_env : known_label, config);
      return args ? instruction_text (instruction_new (keyword, args, FALSE)) : NULL;
    }
  if (strcmp (keyword, "ARG") == 0)
    {
      args = read_arg_words (rest);
      return args ? instruction_text (instruction_new (keyword, args, FALSE)) : NULL;
    }
  if (strcmp (keyword, "HEALTHCHECK") == 0)
    {
      if (rest[0] == '{')
        insn = healthcheck_buildkit (rest);
      else if (rest[0] == '&')
        insn = healthcheck_classic (rest);
      else
        return g_strdup (text); /* Pier's own: already an instruction */
      return insn ? instruction_text (insn) : NULL;
    }
  if (strcmp (keyword, "USER") == 0 || strcmp (keyword, "STOPSIGNAL") == 0)
    return single_word (keyword, rest);
  if (strcmp (keyword, "COPY") == 0 || strcmp (keyword, "ADD") == 0)
    return read_copy (keyword, rest);
  if (strcmp (keyword, "WORKDIR") == 0 || strcmp (keyword, "MAINTAINER") == 0
      || strcmp (keyword, "ONBUILD") == 0)
    return *rest ? g_strdup_printf ("%s %s", keyword, rest) : NULL;
  return NULL;
}

char *
pier_created_by_read (const char *created_by, const PierImageConfig *config)
{
  g_autofree char *text = NULL;
  g_autofree char *shell = shell_prefix (config);
  const char *command;

  if (created_by == NULL)
    return NULL;
  text = g_strstrip (g_strdup (created_by));
  if (g_str_has_suffix (text, BUILDKIT_MARK))
    {
      text[strlen (text) - strlen (BUILDKIT_MARK)] = '\0';
      g_strchomp (text);
    }
  if (*text == '\0')
    return NULL;
  /* The classic builder: a configuration step is "SHELL #(nop) INSTRUCTION", a RUN the
   * command line as it ran, build args first. */
  command = shell_command (text, shell);
  if (command != NULL && g_str_has_prefix (command, "#(nop)"))
    {
      command += strlen ("#(nop)");
      while (*command == ' ')
        command++;
      return read_instruction (command, config);
    }
  if (command != NULL || text[0] == '|')
    return read_run (text, config);
  /* BuildKit's, and Pier's own: an instruction. */
  return read_instruction (text, config);
}
