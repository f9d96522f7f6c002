/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-dockerfile-private.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <jansson.h>
#include <string.h>

/* One logical line (continuations joined) to one instruction, the way BuildKit's line parsers
 * shape each instruction's arguments (parser/line_parsers.go, split_command.go), plus the
 * heredoc words a line opens and the instruction helpers. */

gboolean
pier_dockerfile_fail (GError **error, const char *filename, guint line, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, "%s:%u: %s",
               filename != NULL ? filename : PIER_DOCKERFILE_DEFAULT_NAME, line, message);
  return FALSE;
}

gboolean
pier_dockerfile_invalid (GError **error, const char *format, ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (PIER_ERROR, PIER_ERROR_INVALID, format, args));
  va_end (args);
  return FALSE;
}

void
pier_arg_list_init (PierArgList *list)
{
  list->strings = g_ptr_array_new_with_free_func (g_free);
  list->lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
}

/* Copies @length bytes, NULs included (a JSON "\u0000"). */
void
pier_arg_list_add (PierArgList *list, const char *text, gsize length)
{
  char *copy = g_malloc (length + 1);

  memcpy (copy, text, length);
  copy[length] = '\0';
  g_ptr_array_add (list->strings, copy);
  g_array_append_val (list->lengths, length);
}

void
pier_arg_list_take (PierArgList *list, char *text)
{
  gsize length = strlen (text);

  g_ptr_array_add (list->strings, text);
  g_array_append_val (list->lengths, length);
}

void
pier_arg_list_finish (PierArgList *list, PierInstruction *insn)
{
  g_strfreev (insn->args);
  g_free (insn->arg_lengths);
  insn->n_args = list->strings->len;
  g_ptr_array_add (list->strings, NULL);
  insn->args = (char **) g_ptr_array_steal (list->strings, NULL);
  insn->arg_lengths = (gsize *) (void *) g_array_free (list->lengths, FALSE);
  list->lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
}

void
pier_arg_list_clear (PierArgList *list)
{
  g_clear_pointer (&list->strings, g_ptr_array_unref);
  if (list->lengths != NULL)
    g_array_free (g_steal_pointer (&list->lengths), TRUE);
}

/* ---- whitespace, as Go's strings.TrimSpace and BuildKit's regular expressions see it ---- */

static gboolean
is_ascii_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

const char *
pier_dockerfile_skip_space (const char *p, const char *end)
{
  gsize len;

  while ((len = pier_shell_space_length (p, end)) > 0)
    p += len;
  return p;
}

/* ---- builder flags and words ---- */

static void
add_flag_word (GArray *flags, GString *word)
{
  char *copy = g_strdup (word->str);

  g_array_append_val (flags, copy);
}

/* BuildKit's extractBuilderFlags: leading "--name[=value]" words, quotes and backslashes
 * processed; "--" alone ends them. Returns where the arguments start. */
static const char *
extract_flags (const char *line, GArray *flags)
{
  enum { IN_SPACES, IN_WORD, IN_QUOTE } phase = IN_SPACES;
  g_autoptr (GString) word = g_string_new (NULL);
  gsize len = strlen (line);
  gboolean blank_ok = FALSE;
  char quote = 0, ch = 0;

  for (gsize pos = 0; pos <= len; pos++)
    {
      gboolean at_end = pos == len;

      if (!at_end)
        ch = line[pos];
      if (phase == IN_SPACES)
        {
          if (at_end)
            break;
          if (g_ascii_isspace (ch))
            continue;
          if (ch != '-' || pos + 1 == len || line[pos + 1] != '-')
            return line + pos;
          phase = IN_WORD;
        }
      if (at_end)
        {
          if (strcmp (word->str, "--") != 0 && (blank_ok || word->len > 0))
            add_flag_word (flags, word);
          break;
        }
      if (phase == IN_WORD)
        {
          if (g_ascii_isspace (ch))
            {
              phase = IN_SPACES;
              if (strcmp (word->str, "--") == 0)
                return line + pos;
              if (blank_ok || word->len > 0)
                add_flag_word (flags, word);
              g_string_truncate (word, 0);
              blank_ok = FALSE;
              continue;
            }
          if (ch == '\'' || ch == '"')
            {
              quote = ch;
              blank_ok = TRUE;
              phase = IN_QUOTE;
              continue;
            }
        }
      else if (ch == quote)
        {
          phase = IN_WORD;
          continue;
        }
      if (ch == '\\')
        {
          if (pos + 1 == len)
            {
              phase = IN_WORD;
              continue;
            }
          ch = line[++pos];
        }
      g_string_append_c (word, ch);
    }
  return line + len;
}

/* BuildKit's parseWords, for ENV, LABEL and ARG: whitespace-separated words, quotes kept,
 * the escape character protecting the next character (except inside single quotes). */
static GPtrArray *
parse_words (const char *rest, char escape)
{
  enum { IN_SPACES, IN_WORD, IN_QUOTE } phase = IN_SPACES;
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) word = g_string_new (NULL);
  const char *p = rest, *end = rest + strlen (rest);
  gboolean blank_ok = FALSE;
  char quote = 0;

  for (;;)
    {
      gsize space = p < end ? pier_shell_space_length (p, end) : 0;
      gsize w = space > 0 ? space : p < end ? pier_shell_char_length (p, end) : 0;

      if (phase == IN_SPACES)
        {
          if (p >= end)
            break;
          if (space > 0)
            {
              p += w;
              continue;
            }
          phase = IN_WORD;
        }
      if (p >= end)
        {
          if (blank_ok || word->len > 0)
            g_ptr_array_add (words, g_strdup (word->str));
          break;
        }
      if (phase == IN_WORD && space > 0)
        {
          phase = IN_SPACES;
          if (blank_ok || word->len > 0)
            g_ptr_array_add (words, g_strdup (word->str));
          g_string_truncate (word, 0);
          blank_ok = FALSE;
          p += w;
          continue;
        }
      if (phase == IN_WORD && (*p == '\'' || *p == '"'))
        {
          quote = *p;
          blank_ok = TRUE;
          phase = IN_QUOTE;
        }
      else if (phase == IN_QUOTE && *p == quote)
        phase = IN_WORD;
      else if (*p == escape && (phase == IN_WORD || quote != '\''))
        {
          p++;
          if (p == end)
            {
              phase = IN_WORD;
              continue;
            }
          g_string_append_c (word, escape);
          w = pier_shell_char_length (p, end);
        }
      g_string_append_len (word, p, w);
      p += w;
    }
  return words;
}

/* Splits at runs of [\t\v\f\r ], BuildKit's token separator; at most @max parts (0: all). */
static void
split_blanks (const char *s, guint max, PierArgList *list)
{
  guint parts = 0;

  while (*s != '\0')
    {
      const char *p = s;

      if (max != 0 && parts + 1 == max)
        {
          pier_arg_list_add (list, s, strlen (s));
          return;
        }
      while (*p != '\0' && !is_ascii_blank (*p))
        p++;
      pier_arg_list_add (list, s, p - s);
      parts++;
      while (is_ascii_blank (*p))
        p++;
      s = p;
    }
}

/* ---- per-instruction argument shapes (BuildKit's line parsers) ---- */

typedef enum { JSON_OK, JSON_NOT_JSON, JSON_NOT_STRINGS } JsonResult;

static JsonResult
parse_json (const char *rest, PierArgList *list)
{
  const char *s = pier_dockerfile_skip_space (rest, rest + strlen (rest));
  json_t *array, *item;
  json_error_t jerror;
  size_t i;

  if (*s != '[')
    return JSON_NOT_JSON;
  array = json_loads (s, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &jerror);
  if (array == NULL || !json_is_array (array))
    {
      json_decref (array);
      return JSON_NOT_JSON;
    }
  json_array_foreach (array, i, item)
    if (!json_is_string (item))
      {
        json_decref (array);
        return JSON_NOT_STRINGS;
      }
  json_array_foreach (array, i, item)
    pier_arg_list_add (list, json_string_value (item), json_string_length (item));
  json_decref (array);
  return JSON_OK;
}

static gboolean
not_strings (GError **error)
{
  return pier_dockerfile_invalid (error, _("a JSON array of arguments may only hold strings"));
}

static gboolean
parse_maybe_json (const char *rest, PierArgList *list, gboolean *json, GError **error)
{
  if (*rest == '\0')
    return TRUE;
  switch (parse_json (rest, list))
    {
    case JSON_OK:
      *json = TRUE;
      return TRUE;
    case JSON_NOT_STRINGS:
      return not_strings (error);
    case JSON_NOT_JSON:
    default:
      pier_arg_list_add (list, rest, strlen (rest));
      return TRUE;
    }
}

static gboolean
parse_maybe_json_list (const char *rest, PierArgList *list, gboolean *json, GError **error)
{
  switch (parse_json (rest, list))
    {
    case JSON_OK:
      *json = TRUE;
      return TRUE;
    case JSON_NOT_STRINGS:
      return not_strings (error);
    case JSON_NOT_JSON:
    default:
      split_blanks (rest, 0, list);
      return TRUE;
    }
}

static gboolean
parse_name_value (const char *rest, const char *keyword, char escape, PierArgList *list,
                  gboolean *legacy, GError **error)
{
  g_autoptr (GPtrArray) words = parse_words (rest, escape);

  if (words->len == 0)
    return TRUE;
  if (strchr (g_ptr_array_index (words, 0), '=') == NULL)
    {
      split_blanks (rest, 2, list);
      if (list->strings->len < 2)
        return pier_dockerfile_invalid (error,
                                        _("%s needs a value: %s NAME=value (or %s NAME value)"),
                                        keyword, keyword, keyword);
      *legacy = TRUE;
      return TRUE;
    }
  for (guint i = 0; i < words->len; i++)
    {
      const char *word = g_ptr_array_index (words, i);
      const char *eq = strchr (word, '=');

      if (eq == NULL)
        return pier_dockerfile_invalid (error, _("%s: no “=” in “%s”: write NAME=value"), keyword,
                                        word);
      pier_arg_list_add (list, word, eq - word);
      pier_arg_list_add (list, eq + 1, strlen (eq + 1));
    }
  return TRUE;
}

static gboolean
parse_healthcheck (const char *rest, PierArgList *list, gboolean *json, GError **error)
{
  gsize sep = 0, next;

  while (rest[sep] != '\0' && !g_ascii_isspace (rest[sep]))
    sep++;
  if (sep == 0)
    return TRUE;
  for (next = sep; g_ascii_isspace (rest[next]); next++)
    ;
  pier_arg_list_add (list, rest, sep);
  return parse_maybe_json (rest + next, list, json, error);
}

static PierInstruction *new_instruction (const char *line, char escape, gboolean nested,
                                         GError **error);


static gboolean
parse_arguments (PierInstruction *insn, const char *rest, char escape, gboolean nested,
                 GError **error)
{
  const char *k = insn->keyword;
  PierArgList list;
  gboolean ok = TRUE;

  if (strcmp (k, "onbuild") == 0)
    {
      if (*rest == '\0')
        return TRUE;
      if (nested)
        return pier_dockerfile_invalid (error, _("ONBUILD ONBUILD is not allowed: "
                                          "a trigger cannot add triggers"));
      insn->onbuild = new_instruction (rest, escape, TRUE, error);
      return insn->onbuild != NULL;
    }
  pier_arg_list_init (&list);
  if (strcmp (k, "run") == 0 || strcmp (k, "cmd") == 0 || strcmp (k, "entrypoint") == 0
      || strcmp (k, "shell") == 0)
    ok = parse_maybe_json (rest, &list, &insn->json_form, error);
  else if (strcmp (k, "add") == 0 || strcmp (k, "copy") == 0 || strcmp (k, "volume") == 0)
    ok = parse_maybe_json_list (rest, &list, &insn->json_form, error);
  else if (strcmp (k, "env") == 0 || strcmp (k, "label") == 0)
    ok = parse_name_value (rest, k[0] == 'e' ? "ENV" : "LABEL", escape, &list,
                           &insn->key_value_legacy, error);
  else if (strcmp (k, "arg") == 0)
    {
      g_autoptr (GPtrArray) words = parse_words (rest, escape);

      for (guint i = 0; i < words->len; i++)
        pier_arg_list_take (&list, g_strdup (g_ptr_array_index (words, i)));
    }
  else if (strcmp (k, "from") == 0 || strcmp (k, "expose") == 0)
    split_blanks (rest, 0, &list);
  else if (strcmp (k, "healthcheck") == 0)
    ok = parse_healthcheck (rest, &list, &insn->json_form, error);
  else if (strcmp (k, "maintainer") == 0 || strcmp (k, "user") == 0
           || strcmp (k, "workdir") == 0 || strcmp (k, "stopsignal") == 0)
    {
      if (*rest != '\0')
        pier_arg_list_add (&list, rest, strlen (rest));
    }
  if (ok)
    pier_arg_list_finish (&list, insn);
  pier_arg_list_clear (&list);
  return ok;
}

static void
add_flags (PierInstruction *insn, GArray *words)
{
  insn->n_flags = words->len;
  insn->flags = g_new0 (PierInstructionFlag, words->len);
  for (guint i = 0; i < words->len; i++)
    {
      char *word = g_array_index (words, char *, i);
      char *eq = strchr (word, '=');

      insn->flags[i].name = eq != NULL ? g_strndup (word + 2, eq - word - 2) : g_strdup (word + 2);
      insn->flags[i].value = eq != NULL ? g_strdup (eq + 1) : NULL;
      g_free (word);
    }
}

/* BuildKit's newNodeFromLine: keyword, flags, then the keyword's own argument shape. */
static PierInstruction *
new_instruction (const char *line, char escape, gboolean nested, GError **error)
{
  g_autoptr (PierInstruction) insn = g_new0 (PierInstruction, 1);
  g_autofree char *trimmed = pier_shell_trim_space (line);
  g_autoptr (GArray) flags = g_array_new (FALSE, FALSE, sizeof (char *));
  g_autofree char *rest = NULL;
  char *p = trimmed;

  insn->original = g_strdup (line);
  while (*p != '\0' && !is_ascii_blank (*p))
    p++;
  insn->keyword = g_ascii_strdown (trimmed, p - trimmed);
  while (is_ascii_blank (*p))
    p++;
  rest = pier_shell_trim_space (extract_flags (p, flags));
  add_flags (insn, flags);
  if (!parse_arguments (insn, rest, escape, nested, error))
    return NULL;
  if (insn->args == NULL)
    insn->args = g_new0 (char *, 1);
  return g_steal_pointer (&insn);
}

PierInstruction *
pier_dockerfile_parse_line (const char *line, char escape, GError **error)
{
  return new_instruction (line, escape, FALSE, error);
}

static guint
count_quotes (const char *s)
{
  guint n = 0;

  for (; *s != '\0'; s++)
    n += *s == '\'' || *s == '"';
  return n;
}

/* "^(\d*)<<(-?)\s*([^<]*)$" and a delimiter that lexes as one word: a heredoc. Sets
 * *@found and fills @doc when @word is one. */
static gboolean
parse_heredoc_word (const char *word, PierHeredoc *doc, gboolean *found, GError **error)
{
  const char *p = word, *rest;
  guint64 fd = 0;
  gboolean fd_ok = TRUE;
  g_auto (GStrv) words = NULL;
  g_auto (GStrv) raw_words = NULL;

  *found = FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      if (fd > (G_MAXUINT - 9) / 10)
        fd_ok = FALSE;
      fd = fd * 10 + (guint) (*p - '0');
    }
  if (p[0] != '<' || p[1] != '<')
    return TRUE;
  p += 2;
  doc->chomp = *p == '-';
  p += doc->chomp;
  while (pier_dockerfile_is_re_space (*p))
    p++;
  rest = p;
  if (*rest == '\0' || strchr (rest, '<') != NULL)
    return TRUE;

  words = pier_shell_expand_words (rest, '\\', PIER_SHELL_WORDS_SKIP_UNSET, NULL, NULL, error);
  if (words == NULL)
    return FALSE;
  if (g_strv_length (words) != 1)
    return TRUE;
  raw_words = pier_shell_expand_words (rest, '\\',
                                       PIER_SHELL_WORDS_SKIP_UNSET | PIER_SHELL_WORDS_RAW_QUOTES,
                                       NULL, NULL, error);
  if (raw_words == NULL)
    return FALSE;
  if (g_strv_length (raw_words) != 1)
    return pier_dockerfile_invalid (error, _("the heredoc delimiter “%s” reads differently "
                                      "with and without quotes"), rest);
  doc->name = g_strdup (words[0]);
  doc->expand = count_quotes (words[0]) == count_quotes (raw_words[0]);
  doc->fd = fd_ok ? (guint) fd : 0;
  *found = TRUE;
  return TRUE;
}

void
pier_heredoc_clear (PierHeredoc *doc)
{
  g_free (doc->name);
  g_free (doc->content);
}

gboolean
pier_dockerfile_word_is_heredoc (const char *word)
{
  PierHeredoc doc = { 0 };
  gboolean found = FALSE;

  if (!parse_heredoc_word (word, &doc, &found, NULL))
    return FALSE;
  pier_heredoc_clear (&doc);
  return found;
}

GArray *
pier_dockerfile_line_heredocs (const char *line, GError **error)
{
  g_autoptr (GArray) docs = g_array_new (FALSE, TRUE, sizeof (PierHeredoc));
  g_auto (GStrv) words = NULL;

  g_array_set_clear_func (docs, (GDestroyNotify) pier_heredoc_clear);
  words = pier_shell_expand_words (line, '\\',
                                   PIER_SHELL_WORDS_RAW_QUOTES | PIER_SHELL_WORDS_RAW_ESCAPES
                                   | PIER_SHELL_WORDS_SKIP_UNSET, NULL, NULL, NULL);
  for (char **w = words; w != NULL && *w != NULL; w++)
    {
      PierHeredoc doc = { 0 };
      gboolean found;

      if (!parse_heredoc_word (*w, &doc, &found, error))
        return NULL;
      if (found)
        g_array_append_val (docs, doc);
    }
  return g_steal_pointer (&docs);
}

/* <<- takes the leading tabs off every line. */
void
pier_instruction_free (PierInstruction *insn)
{
  if (insn == NULL)
    return;
  g_free (insn->keyword);
  g_free (insn->original);
  for (guint i = 0; i < insn->n_flags; i++)
    {
      g_free (insn->flags[i].name);
      g_free (insn->flags[i].value);
    }
  g_free (insn->flags);
  g_strfreev (insn->args);
  g_free (insn->arg_lengths);
  for (guint i = 0; i < insn->n_heredocs; i++)
    pier_heredoc_clear (&insn->heredocs[i]);
  g_free (insn->heredocs);
  pier_instruction_free (insn->onbuild);
  g_free (insn);
}

PierInstruction *
pier_instruction_copy (const PierInstruction *insn)
{
  PierInstruction *copy = g_memdup2 (insn, sizeof *insn);

  copy->keyword = g_strdup (insn->keyword);
  copy->original = g_strdup (insn->original);
  copy->flags = g_new0 (PierInstructionFlag, insn->n_flags);
  for (guint i = 0; i < insn->n_flags; i++)
    {
      copy->flags[i].name = g_strdup (insn->flags[i].name);
      copy->flags[i].value = g_strdup (insn->flags[i].value);
    }
  copy->args = g_new0 (char *, insn->n_args + 1);
  for (guint i = 0; i < insn->n_args; i++)
    copy->args[i] = g_memdup2 (insn->args[i], insn->arg_lengths[i] + 1); /* NULs inside too */
  copy->arg_lengths = g_memdup2 (insn->arg_lengths, sizeof (gsize) * insn->n_args);
  copy->heredocs = g_new0 (PierHeredoc, insn->n_heredocs);
  for (guint i = 0; i < insn->n_heredocs; i++)
    {
      copy->heredocs[i] = insn->heredocs[i];
      copy->heredocs[i].name = g_strdup (insn->heredocs[i].name);
      copy->heredocs[i].content = g_strdup (insn->heredocs[i].content);
    }
  copy->onbuild = insn->onbuild != NULL ? pier_instruction_copy (insn->onbuild) : NULL;
  return copy;
}

const char *
pier_instruction_get_flag (const PierInstruction *insn, const char *name)
{
  for (guint i = insn->n_flags; i-- > 0;)
    if (strcmp (insn->flags[i].name, name) == 0)
      return insn->flags[i].value;
  return NULL;
}

gboolean
pier_instruction_has_flag (const PierInstruction *insn, const char *name)
{
  for (guint i = 0; i < insn->n_flags; i++)
    if (strcmp (insn->flags[i].name, name) == 0)
      return TRUE;
  return FALSE;
}

void
pier_dockerfile_split_arg (const char *word, char **name, char **value)
{
  const char *eq = strchr (word, '=');

  *name = eq != NULL ? g_strndup (word, eq - word) : g_strdup (word);
  *value = eq != NULL ? g_strdup (eq + 1) : NULL;
}

