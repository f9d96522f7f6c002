/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-dockerfile-private.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <string.h>

/* The reading rules follow BuildKit's parser (frontend/dockerfile/parser) closely, quirks
 * included, because people's Dockerfiles were written against it: a line ending in the escape
 * character continues (unless the character is itself escaped), comment and blank lines inside
 * a continuation vanish, the first line's leading whitespace goes but continuation lines keep
 * theirs, and so on. One logical line becomes an instruction in pier-dockerfile-line.c; the
 * per-instruction checks live in pier-dockerfile-check.c. */


typedef struct {
  char escape;
  gboolean done;     /* a line that is not a directive ends the directives */
  gboolean seen_escape, seen_syntax, seen_check;
  char *syntax;
  char *check;
} Directives;

typedef struct {
  const char *data;
  gsize length;
  gsize pos;
} Reader;

/* The next raw line, its newline included. */
static gboolean
reader_next (Reader *r, const char **line, gsize *length)
{
  const char *nl;

  if (r->pos >= r->length)
    return FALSE;
  *line = r->data + r->pos;
  nl = memchr (*line, '\n', r->length - r->pos);
  *length = nl != NULL ? (gsize) (nl + 1 - *line) : r->length - r->pos;
  r->pos += *length;
  return TRUE;
}

static gsize
trimmed_newline_length (const char *line, gsize length)
{
  while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r'))
    length--;
  return length;
}

static gboolean
is_comment (const char *line, gsize length)
{
  const char *p = pier_dockerfile_skip_space (line, line + length);

  return p < line + length && *p == '#';
}

/* ---- parser directives ---- */

/* Looks at a line that might be "# key=value" at the top of the file. */
static gboolean
check_directive (Directives *d, const char *line, GError **error)
{
  const char *p = line, *end = line + strlen (line), *key, *value;
  gsize key_len, value_len;
  g_autofree char *name = NULL;

  if (d->done)
    return TRUE;
  if (*p != '#')
    goto not_directive;
  p = pier_dockerfile_skip_space (p + 1, end);
  key = p;
  if (!g_ascii_isalpha (*p))
    goto not_directive;
  while (g_ascii_isalnum (*p))
    p++;
  key_len = p - key;
  while (pier_dockerfile_is_re_space (*p))
    p++;
  if (*p != '=')
    goto not_directive;
  p++;
  /* "(.+?)\s*$": leading blanks go unless nothing else is left, trailing blanks go. */
  value = p;
  while (value < end && pier_dockerfile_is_re_space (*value))
    value++;
  if (value == end)
    {
      if (p == end)
        goto not_directive;
      value = end - 1;
    }
  value_len = end - value;
  while (value_len > 1 && pier_dockerfile_is_re_space (value[value_len - 1]))
    value_len--;

  name = g_ascii_strdown (key, key_len);
  if (strcmp (name, "escape") == 0)
    {
      if (d->seen_escape)
        return pier_dockerfile_invalid (error, _("only one escape parser directive can be used"));
      d->seen_escape = TRUE;
      if (value_len != 1 || (*value != '\\' && *value != '`'))
        return pier_dockerfile_invalid (error, _("invalid escape token “%.*s”: use ` or \\"),
                                        (int) value_len, value);
      d->escape = *value;
    }
  else if (strcmp (name, "syntax") == 0)
    {
      if (d->seen_syntax)
        return pier_dockerfile_invalid (error, _("only one syntax parser directive can be used"));
      d->seen_syntax = TRUE;
      d->syntax = g_strndup (value, value_len);
    }
  else if (strcmp (name, "check") == 0)
    {
      if (d->seen_check)
        return pier_dockerfile_invalid (error, _("only one check parser directive can be used"));
      d->seen_check = TRUE;
      d->check = g_strndup (value, value_len);
    }
  else
    goto not_directive;
  return TRUE;

not_directive:
  d->done = TRUE;
  return TRUE;
}

/* BuildKit's processLine: newline off, (first lines) leading whitespace off, directive check,
 * comments emptied. */
static char *
process_line (Directives *d, const char *raw, gsize length, gboolean strip_left,
              GError **error)
{
  const char *start = raw;
  const char *end = raw + trimmed_newline_length (raw, length);

  if (strip_left)
    start = pier_dockerfile_skip_space (start, end);
  g_autofree char *token = g_strndup (start, end - start);
  if (!check_directive (d, token, error))
    return NULL;
  if (is_comment (token, strlen (token)))
    token[0] = '\0';
  return g_steal_pointer (&token);
}

/* A line whose last character before blanks is an unescaped escape character continues on the
 * next; that character and the blanks after it are dropped. */
static gboolean
trim_continuation (char *line, char escape)
{
  gsize k = strlen (line);

  while (k > 0 && (line[k - 1] == ' ' || line[k - 1] == '\t'))
    k--;
  if (k > 0 && line[k - 1] == escape && (k == 1 || line[k - 2] != escape))
    {
      line[k - 1] = '\0';
      return TRUE;
    }
  return FALSE;
}

/* ---- heredocs ---- */

static gboolean
can_contain_heredoc (const PierInstruction *insn)
{
  if (strcmp (insn->keyword, "onbuild") == 0 && insn->onbuild != NULL)
    insn = insn->onbuild;
  return !insn->json_form && (strcmp (insn->keyword, "run") == 0
                              || strcmp (insn->keyword, "copy") == 0
                              || strcmp (insn->keyword, "add") == 0);
}

/* <<- takes the leading tabs off every line. */
static char *
chomp_tabs (const char *content)
{
  GString *out = g_string_new (NULL);
  gboolean line_start = TRUE;

  for (const char *p = content; *p != '\0'; p++)
    {
      if (line_start && *p == '\t')
        continue;
      line_start = *p == '\n';
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* Reads each heredoc's body from the lines after the instruction. */
static gboolean
read_heredocs (Reader *r, guint *current, PierInstruction *target, GArray *docs,
               const char *filename, guint start, GError **error)
{
  for (guint i = 0; i < docs->len; i++)
    {
      PierHeredoc *doc = &g_array_index (docs, PierHeredoc, i);
      g_autoptr (GString) content = g_string_new (NULL);
      gboolean terminated = FALSE;
      const char *raw;
      gsize length;

      while (reader_next (r, &raw, &length))
        {
          gsize n = trimmed_newline_length (raw, length);
          const char *candidate = raw;

          (*current)++;
          while (doc->chomp && n > 0 && *candidate == '\t')
            {
              candidate++;
              n--;
            }
          if (n == strlen (doc->name) && memcmp (candidate, doc->name, n) == 0)
            {
              terminated = TRUE;
              break;
            }
          g_string_append_len (content, raw, length);
        }
      if (!terminated)
        return pier_dockerfile_fail (error, filename, start,
                                     _("unterminated heredoc: no line “%s” ends it"), doc->name);
      doc->content = doc->chomp ? chomp_tabs (content->str) : g_strdup (content->str);
    }
  target->n_heredocs = docs->len;
  target->heredocs = (PierHeredoc *) (void *) g_array_free (docs, FALSE);
  return TRUE;
}

/* ---- the file ---- */

static void
compute_stages (PierDockerfile *df)
{
  g_autoptr (GArray) stages = g_array_new (FALSE, TRUE, sizeof (PierDockerfileStage));

  for (guint i = 0; i < df->n_instructions; i++)
    {
      const PierInstruction *insn = df->instructions[i];
      PierDockerfileStage stage = { 0 };

      if (strcmp (insn->keyword, "from") != 0)
        {
          if (stages->len > 0)
            g_array_index (stages, PierDockerfileStage, stages->len - 1).n_instructions++;
          continue;
        }
      stage.index = stages->len;
      stage.from = i;
      stage.n_instructions = 1;
      stage.base = g_strdup (insn->args[0]);
      stage.platform = g_strdup (pier_instruction_get_flag (insn, "platform"));
      if (insn->n_args == 3 && g_ascii_strcasecmp (insn->args[1], "as") == 0)
        stage.name = g_ascii_strdown (insn->args[2], -1);
      g_array_append_val (stages, stage);
    }
  df->n_stages = stages->len;
  df->stages = (PierDockerfileStage *) (void *) g_array_free (g_steal_pointer (&stages), FALSE);
}

static gboolean
parse_lines (PierDockerfile *df, Reader *r, Directives *d, GPtrArray *instructions,
             GError **error)
{
  const char *raw;
  gsize length;
  guint current = 0;

  while (reader_next (r, &raw, &length))
    {
      g_autofree char *line = NULL;
      g_autoptr (GString) joined = NULL;
      g_autoptr (PierInstruction) insn = NULL;
      gboolean more;
      guint start;

      if (current == 0 && length >= 3 && memcmp (raw, "\xEF\xBB\xBF", 3) == 0)
        {
          raw += 3;
          length -= 3;
        }
      line = process_line (d, raw, length, TRUE, error);
      if (line == NULL)
        {
          g_prefix_error (error, "%s:%u: ", df->filename, current + 1);
          return FALSE;
        }
      start = ++current;
      more = trim_continuation (line, d->escape);
      if (!more && *line == '\0')
        continue;
      joined = g_string_new (line);
      while (more && reader_next (r, &raw, &length))
        {
          g_autofree char *next = process_line (d, raw, length, FALSE, error);
          const char *tail;

          if (next == NULL)
            {
              g_prefix_error (error, "%s:%u: ", df->filename, current + 1);
              return FALSE;
            }
          current++;
          if (is_comment (raw, length))
            continue;
          tail = next + strlen (next);
          if (pier_dockerfile_skip_space (next, tail) == tail)
            continue;
          more = trim_continuation (next, d->escape);
          g_string_append (joined, next);
        }

      insn = pier_dockerfile_parse_line (joined->str, d->escape, error);
      if (insn == NULL)
        {
          g_prefix_error (error, "%s:%u: ", df->filename, start);
          return FALSE;
        }
      if (can_contain_heredoc (insn) && strstr (joined->str, "<<") != NULL)
        {
          GArray *docs = pier_dockerfile_line_heredocs (joined->str, error);

          if (docs == NULL)
            {
              g_prefix_error (error, "%s:%u: ", df->filename, start);
              return FALSE;
            }
          if (!read_heredocs (r, &current, insn->onbuild != NULL ? insn->onbuild : insn, docs,
                              df->filename, start, error))
            {
              g_array_free (docs, TRUE);
              return FALSE;
            }
        }
      insn->line = start;
      insn->end_line = current;
      if (insn->onbuild != NULL)
        {
          insn->onbuild->line = start;
          insn->onbuild->end_line = current;
        }
      g_ptr_array_add (instructions, g_steal_pointer (&insn));
    }
  if (instructions->len == 0)
    return pier_dockerfile_fail (error, df->filename, MAX (current, 1),
                                 _("file with no instructions"));
  return TRUE;
}

PierDockerfile *
pier_dockerfile_parse (const char *data, gsize length, const char *filename,
                       PierDockerfileParseFlags flags, GError **error)
{
  g_autoptr (PierDockerfile) df = g_new0 (PierDockerfile, 1);
  g_autoptr (GPtrArray) instructions =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pier_instruction_free);
  Directives d = { .escape = '\\' };
  Reader r = { data, length, 0 };
  const char *nul = memchr (data, '\0', length);
  gboolean ok;

  df->filename = g_strdup (filename != NULL ? filename : PIER_DOCKERFILE_DEFAULT_NAME);
  if (nul != NULL)
    {
      guint line = 1;

      for (const char *p = data; p < nul; p++)
        line += *p == '\n';
      pier_dockerfile_fail (error, df->filename, line, _("a NUL byte: this is not a text file"));
      return NULL;
    }
  ok = parse_lines (df, &r, &d, instructions, error);
  df->escape = d.escape;
  df->syntax = d.syntax;
  df->check = d.check;
  if (!ok)
    return NULL;
  df->n_instructions = instructions->len;
  df->instructions = (PierInstruction **) g_ptr_array_steal (instructions, NULL);
  compute_stages (df);
  if (!(flags & PIER_DOCKERFILE_PARSE_SYNTAX_ONLY) && !pier_dockerfile_validate (df, error))
    return NULL;
  return g_steal_pointer (&df);
}

void
pier_dockerfile_free (PierDockerfile *df)
{
  if (df == NULL)
    return;
  for (guint i = 0; i < df->n_instructions; i++)
    pier_instruction_free (df->instructions[i]);
  g_free (df->instructions);
  for (guint i = 0; i < df->n_stages; i++)
    {
      g_free (df->stages[i].name);
      g_free (df->stages[i].base);
      g_free (df->stages[i].platform);
    }
  g_free (df->stages);
  g_free (df->filename);
  g_free (df->syntax);
  g_free (df->check);
  g_free (df);
}

const PierDockerfileStage *
pier_dockerfile_find_stage (const PierDockerfile *df, const char *name)
{
  char *end = NULL;
  guint64 index;

  for (guint i = 0; i < df->n_stages; i++)
    if (df->stages[i].name != NULL && g_ascii_strcasecmp (df->stages[i].name, name) == 0)
      return &df->stages[i];
  if (!g_ascii_isdigit (*name))
    return NULL;
  index = g_ascii_strtoull (name, &end, 10);
  if (*end != '\0' || index >= df->n_stages)
    return NULL;
  return &df->stages[index];
}
