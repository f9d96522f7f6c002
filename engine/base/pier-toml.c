/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-toml.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <string.h>

/* Deeper arrays or longer key paths than these are not a configuration file. */
#define MAX_DEPTH 64
#define MAX_PATH 32

typedef struct {
  const char *p;
  const char *end;
  guint line;
  GError **error;
} Scanner;

static gboolean G_GNUC_PRINTF (2, 3)
fail (Scanner *s, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  /* Translators: "line 12: a string without its closing quote". */
  g_set_error (s->error, PIER_ERROR, PIER_ERROR_INVALID, _("line %u: %s"), s->line, what);
  return FALSE;
}

static gboolean
at (Scanner *s, const char *text)
{
  gsize n = strlen (text);

  return (gsize) (s->end - s->p) >= n && memcmp (s->p, text, n) == 0;
}

static void
skip_spaces (Scanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
    s->p++;
}

static void
skip_comment (Scanner *s)
{
  if (s->p < s->end && *s->p == '#')
    while (s->p < s->end && *s->p != '\n')
      s->p++;
}

/* Past a newline (\n or \r\n) if one is here. */
static gboolean
take_newline (Scanner *s)
{
  if (at (s, "\r\n"))
    s->p++;
  if (s->p < s->end && *s->p == '\n')
    {
      s->p++;
      s->line++;
      return TRUE;
    }
  return FALSE;
}

/* Spaces, comments and newlines, as between lines and inside arrays. */
static void
skip_blank (Scanner *s)
{
  for (;;)
    {
      skip_spaces (s);
      skip_comment (s);
      if (!take_newline (s))
        return;
    }
}

/* What follows a key's value or a header: nothing but a comment to the line's end. */
static gboolean
end_line (Scanner *s)
{
  skip_spaces (s);
  skip_comment (s);
  if (s->p < s->end && !take_newline (s))
    return fail (s, _("unexpected “%c” after the value"), *s->p);
  return TRUE;
}

static gboolean
take_escape (Scanner *s, GString *out)
{
  static const char simple[] = "b\bt\tn\nf\fr\re\033\"\"\\\\";
  guint digits;
  guint32 c = 0;

  for (const char *e = simple; *e != '\0'; e += 2)
    if (*s->p == e[0])
      {
        g_string_append_c (out, e[1]);
        s->p++;
        return TRUE;
      }
  if (*s->p != 'u' && *s->p != 'U')
    return fail (s, _("an unknown escape “\\%c” in a string"), *s->p);
  digits = *s->p == 'u' ? 4 : 8;
  s->p++;
  for (guint i = 0; i < digits; i++, s->p++)
    {
      if (s->p >= s->end || !g_ascii_isxdigit (*s->p))
        return fail (s, _("an escape \\u or \\U without its hexadecimal digits"));
      c = c * 16 + g_ascii_xdigit_value (*s->p);
    }
  if (!g_unichar_validate (c))
    return fail (s, _("an escape of U+%X, which is no character"), c);
  g_string_append_unichar (out, c);
  return TRUE;
}

/* A string in "quotes" or 'apostrophes', single-line or tripled, into @out. */
static gboolean
take_string (Scanner *s, GString *out)
{
  char quote = *s->p;
  gboolean multi = quote == '"' ? at (s, "\"\"\"") : at (s, "'''");
  char closing[4] = { quote, multi ? quote : '\0', multi ? quote : '\0', '\0' };

  s->p += multi ? 3 : 1;
  if (multi)
    take_newline (s);
  for (;;)
    {
      if (s->p >= s->end)
        return fail (s, _("a string without its closing %s"), closing);
      if (at (s, closing))
        {
          s->p += strlen (closing);
          /* """a"""" is a" then the closing quotes. */
          for (int extra = 0; multi && extra < 2 && s->p < s->end && *s->p == quote; extra++)
            g_string_append_c (out, *s->p++);
          break;
        }
      if (*s->p == '\n' || at (s, "\r\n"))
        {
          if (!multi)
            return fail (s, _("a string without its closing %s"), closing);
          if (*s->p == '\r')
            s->p++;
          g_string_append_c (out, '\n');
          s->p++;
          s->line++;
        }
      else if (*s->p == '\\' && quote == '"')
        {
          s->p++;
          if (s->p >= s->end)
            return fail (s, _("a string without its closing %s"), closing);
          if (multi && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
            {
              /* A line-ending backslash: the newline and the blanks after it go. */
              for (;;)
                {
                  skip_spaces (s);
                  if (!take_newline (s))
                    break;
                }
            }
          else if (!take_escape (s, out))
            return FALSE;
        }
      else
        g_string_append_c (out, *s->p++);
    }
  if (!g_utf8_validate_len (out->str, out->len, NULL))
    return fail (s, _("a string that is not UTF-8 text"));
  return TRUE;
}

static gboolean
is_bare_key_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

/* A dotted key (a.b."c d") appended to @path. */
static gboolean
take_key (Scanner *s, GPtrArray *path)
{
  for (;;)
    {
      g_autoptr (GString) part = g_string_new (NULL);
      gboolean quoted;

      skip_spaces (s);
      quoted = s->p < s->end && (*s->p == '"' || *s->p == '\'');
      if (quoted && !take_string (s, part))
        return FALSE;
      while (!quoted && s->p < s->end && is_bare_key_char (*s->p))
        g_string_append_c (part, *s->p++);
      if (!quoted && part->len == 0)
        return s->p < s->end ? fail (s, _("unexpected “%c” where a key belongs"), *s->p)
                             : fail (s, _("a key without its value"));
      if (path->len >= MAX_PATH)
        return fail (s, _("a key of more than %d parts"), MAX_PATH);
      g_ptr_array_add (path, g_string_free (g_steal_pointer (&part), FALSE));
      skip_spaces (s);
      if (s->p >= s->end || *s->p != '.')
        return TRUE;
      s->p++;
    }
}

/* Steps over an array or inline table, whatever it holds. */
static gboolean
skip_compound (Scanner *s)
{
  g_autoptr (GString) ignored = g_string_new (NULL);
  int depth = 0;

  do
    {
      skip_blank (s);
      if (s->p >= s->end)
        return fail (s, _("an array or inline table without its end"));
      if (*s->p == '[' || *s->p == '{')
        {
          if (++depth > MAX_DEPTH)
            return fail (s, _("arrays nested more than %d deep"), MAX_DEPTH);
          s->p++;
        }
      else if (*s->p == ']' || *s->p == '}')
        {
          depth--;
          s->p++;
        }
      else if (*s->p == '"' || *s->p == '\'')
        {
          g_string_truncate (ignored, 0);
          if (!take_string (s, ignored))
            return FALSE;
        }
      else
        s->p++;
    }
  while (depth > 0);
  return TRUE;
}

/* A value: a string into @out (set), anything else stepped over (@out left NULL). */
static gboolean
take_value (Scanner *s, char **out)
{
  *out = NULL;
  skip_spaces (s);
  if (s->p >= s->end || *s->p == '\n' || *s->p == '\r' || *s->p == '#')
    return fail (s, _("a key without its value"));
  if (*s->p == '"' || *s->p == '\'')
    {
      g_autoptr (GString) text = g_string_new (NULL);
      if (!take_string (s, text))
        return FALSE;
      *out = g_string_free (g_steal_pointer (&text), FALSE);
      return TRUE;
    }
  if (*s->p == '[' || *s->p == '{')
    return skip_compound (s);
  /* Numbers, booleans, dates: up to the line's end or its comment. */
  while (s->p < s->end && *s->p != '\n' && *s->p != '\r' && *s->p != '#')
    s->p++;
  return TRUE;
}

gboolean
pier_toml_read (const char *text, gsize len, PierTomlFunc func, gpointer user_data,
                GError **error)
{
  Scanner s = { text, text + len, 1, error };
  g_autoptr (GPtrArray) table = g_ptr_array_new_with_free_func (g_free);

  for (skip_blank (&s); s.p < s.end; skip_blank (&s))
    {
      g_autoptr (GPtrArray) path = NULL;
      g_autofree char *value = NULL;

      if (*s.p == '[')
        {
          gboolean array = at (&s, "[[");

          s.p += array ? 2 : 1;
          g_ptr_array_set_size (table, 0);
          if (!take_key (&s, table))
            return FALSE;
          if (!at (&s, array ? "]]" : "]"))
            return fail (&s, _("a table header without its closing bracket"));
          s.p += array ? 2 : 1;
          if (!end_line (&s))
            return FALSE;
          continue;
        }
      path = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < table->len; i++)
        g_ptr_array_add (path, g_strdup (table->pdata[i]));
      if (!take_key (&s, path))
        return FALSE;
      if (s.p >= s.end || *s.p != '=')
        return fail (&s, _("a key without “=” and its value"));
      s.p++;
      if (!take_value (&s, &value) || !end_line (&s))
        return FALSE;
      g_ptr_array_add (path, NULL);
      func ((const char *const *) path->pdata, value, user_data);
    }
  return TRUE;
}
