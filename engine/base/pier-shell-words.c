/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-shell-words.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <string.h>

/* The lexer walks bytes; only ASCII characters are special, so multi-byte UTF-8 sequences are
 * copied whole. Quirks of BuildKit's lexer are kept on purpose (an empty quoted word adds no
 * word, a raw escape inside double quotes doubles, ...): Dockerfiles are written against it. */
typedef struct {
  const char *p;
  const char *end;
  char escape;
  PierShellWordsFlags flags;
  gboolean raw_escapes;
  PierShellLookupFunc lookup;
  gpointer user_data;
  guint depth;        /* ${ nesting: bounded so that hostile input cannot exhaust the stack */
} Lexer;

#define MAX_DEPTH 64

/* Word splitting state: whitespace that came from variables splits, quoted text does not. */
typedef struct {
  GString *word;
  GPtrArray *words;
  gboolean in_word;
} Words;

gsize
pier_shell_space_length (const char *p, const char *end)
{
  gunichar c;

  if (p >= end)
    return 0;
  switch (*p)
    {
    case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
      return 1;
    default:
      break;
    }
  if ((guchar) *p < 0x80)
    return 0;
  c = g_utf8_get_char_validated (p, end - p);
  if (c == (gunichar) -1 || c == (gunichar) -2)
    return 0;
  if (c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028
      || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000)
    return g_utf8_skip[(guchar) *p];
  return 0;
}

gsize
pier_shell_char_length (const char *p, const char *end)
{
  gunichar c;

  if ((guchar) *p < 0x80)
    return 1;
  c = g_utf8_get_char_validated (p, end != NULL ? end - p : -1);
  if (c == (gunichar) -1 || c == (gunichar) -2)
    return 1;
  return g_utf8_skip[(guchar) *p];
}

char *
pier_shell_trim_space (const char *s)
{
  const char *end = s + strlen (s);
  gsize len;

  while ((len = pier_shell_space_length (s, end)) > 0)
    s += len;
  while (end > s)
    {
      const char *prev = end - 1;

      /* Back to the start of the last character (at most four bytes long). */
      while (prev > s && ((guchar) *prev & 0xC0) == 0x80 && end - prev < 4)
        prev--;
      if (pier_shell_space_length (prev, end) != (gsize) (end - prev))
        break;
      end = prev;
    }
  return g_strndup (s, end - s);
}

static void
words_add_raw (Words *w, const char *s, gsize len)
{
  if (w == NULL)
    return;
  g_string_append_len (w->word, s, len);
  w->in_word = TRUE;
}

static void
words_end_word (Words *w)
{
  if (w->word->len > 0)
    {
      g_ptr_array_add (w->words, g_strndup (w->word->str, w->word->len));
      g_string_truncate (w->word, 0);
      w->in_word = FALSE;
    }
}

/* One unquoted character: whitespace ends the current word. */
static void
words_add_char (Words *w, const char *s, gsize len, const char *end)
{
  if (w == NULL)
    return;
  if (pier_shell_space_length (s, end) == len)
    {
      if (w->in_word)
        words_end_word (w);
      return;
    }
  words_add_raw (w, s, len);
}

static void
words_add_string (Words *w, const char *s)
{
  const char *end = s + strlen (s);

  if (w == NULL)
    return;
  while (s < end)
    {
      gsize len = pier_shell_char_length (s, end);

      words_add_char (w, s, len, end);
      s += len;
    }
}

static gboolean
fail (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError **error, const char *format, ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (PIER_ERROR, PIER_ERROR_INVALID, format, args));
  va_end (args);
  return FALSE;
}

static gboolean
lookup (Lexer *lx, const char *name, const char **value)
{
  *value = "";
  if (lx->lookup == NULL || !lx->lookup (name, value, lx->user_data))
    {
      *value = "";
      return FALSE;
    }
  if (*value == NULL)
    *value = "";
  return TRUE;
}

static gboolean process_stop_on (Lexer *lx, char stop, gboolean raw_escapes, GString *out,
                                 Words *words, GError **error);

/* A name after $: a run of digits (positional), one special parameter character, or letters,
 * digits and underscores. */
static char *
process_name (Lexer *lx)
{
  GString *name = g_string_new (NULL);

  while (lx->p < lx->end)
    {
      gsize len = pier_shell_char_length (lx->p, lx->end);
      gunichar c = len == 1 ? (guchar) *lx->p : g_utf8_get_char (lx->p);

      if (name->len == 0 && g_ascii_isdigit (*lx->p))
        {
          while (lx->p < lx->end && g_ascii_isdigit (*lx->p))
            g_string_append_c (name, *lx->p++);
          break;
        }
      if (name->len == 0 && *lx->p != '\0' && strchr ("@*#?-$!0", *lx->p) != NULL)
        {
          g_string_append_c (name, *lx->p++);
          break;
        }
      if (!(c == '_' || (len == 1 && g_ascii_isalnum (c))
            || (len > 1 && (g_unichar_isalpha (c) || g_unichar_isdigit (c)))))
        break;
      g_string_append_len (name, lx->p, len);
      lx->p += len;
    }
  return g_string_free (name, FALSE);
}

/* Converts a ${NAME#pattern} pattern to our own glob form, where "\c" is a literal c and bare
 * * and ? are wildcards. As BuildKit does, "\}" and "\/" drop their backslash. */
static char *
compile_pattern (const char *pattern, GError **error)
{
  GString *out = g_string_new (NULL);

  for (const char *p = pattern; *p != '\0'; p++)
    {
      if (*p != '\\')
        {
          g_string_append_c (out, *p);
          continue;
        }
      if (p[1] == '}' || p[1] == '/')
        continue;
      if (p[1] != '*' && p[1] != '?' && p[1] != '\\')
        {
          fail (error, _("invalid pattern (%s) in substitution: invalid escape '\\%.1s'"), pattern,
                p + 1);
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_c (out, '\\');
      g_string_append_c (out, *++p);
    }
  return g_string_free (out, FALSE);
}

/* Whether all of @s[0..n) matches the compiled glob @pat. Star backtracking keeps it O(n·m). */
static gboolean
glob_match (const char *pat, const char *s, gsize n)
{
  const char *star_p = NULL;
  gsize star_i = 0, i = 0;

  while (i < n)
    {
      if (*pat == '*')
        {
          star_p = ++pat;
          star_i = i;
          continue;
        }
      if (*pat == '?')
        {
          i += pier_shell_char_length (s + i, s + n);
          pat++;
          continue;
        }
      if (*pat != '\0')
        {
          const char *lit = *pat == '\\' && pat[1] != '\0' ? pat + 1 : pat;
          gsize len = pier_shell_char_length (lit, NULL);

          if (i + len <= n && memcmp (s + i, lit, len) == 0)
            {
              i += len;
              pat = lit + len;
              continue;
            }
        }
      if (star_p == NULL)
        return FALSE;
      pat = star_p;
      star_i += pier_shell_char_length (s + star_i, s + n);
      i = star_i;
    }
  while (*pat == '*')
    pat++;
  return *pat == '\0';
}

static gboolean
is_boundary (const char *s, gsize i, gsize n)
{
  return i == n || ((guchar) s[i] & 0xC0) != 0x80;
}

/* ${NAME#p} ${NAME##p}: the value without its shortest (longest) prefix matching @pat. */
static char *
trim_prefix (const char *pat, const char *value, gboolean longest)
{
  gsize n = strlen (value);

  for (gsize k = 0; k <= n; k++)
    {
      gsize i = longest ? n - k : k;

      if (is_boundary (value, i, n) && glob_match (pat, value, i))
        return g_strdup (value + i);
    }
  return g_strdup (value);
}

/* ${NAME%p} ${NAME%%p}: the value without its shortest (longest) suffix matching @pat. */
static char *
trim_suffix (const char *pat, const char *value, gboolean longest)
{
  gsize n = strlen (value);

  for (gsize k = 0; k <= n; k++)
    {
      gsize start = longest ? k : n - k;

      if (is_boundary (value, start, n) && glob_match (pat, value + start, n - start))
        return g_strndup (value, start);
    }
  return g_strdup (value);
}

/* The leftmost match of @pat in @value at or after @from, the longest there. */
static gboolean
find_match (const char *pat, const char *value, gsize n, gsize from, gsize *start, gsize *end)
{
  for (gsize s = from; s <= n; s++)
    {
      if (!is_boundary (value, s, n))
        continue;
      for (gsize e = n + 1; e-- > s;)
        if (is_boundary (value, e, n) && glob_match (pat, value + s, e - s))
          {
            *start = s;
            *end = e;
            return TRUE;
          }
    }
  return FALSE;
}

/* ${NAME/p/r} and ${NAME//p/r}. An empty match next to the previous match is skipped, as Go's
 * regexp replacement (which BuildKit uses) does. */
static char *
replace (const char *pat, const char *value, const char *replacement, gboolean all)
{
  gsize n = strlen (value), pos = 0, start, end;
  gboolean have_prev = FALSE;
  gsize prev_end = 0;
  GString *out = g_string_new (NULL);

  while (pos <= n && find_match (pat, value, n, pos, &start, &end))
    {
      if (start == end && have_prev && start == prev_end)
        {
          if (start >= n)
            break;
          gsize step = pier_shell_char_length (value + start, value + n);
          g_string_append_len (out, value + pos, start + step - pos);
          pos = start + step;
          continue;
        }
      g_string_append_len (out, value + pos, start - pos);
      g_string_append (out, replacement);
      have_prev = TRUE;
      prev_end = end;
      pos = end;
      if (!all)
        break;
      if (start == end)
        {
          if (start >= n)
            {
              pos = n + 1;
              break;
            }
          gsize step = pier_shell_char_length (value + start, value + n);
          g_string_append_len (out, value + start, step);
          pos = start + step;
        }
    }
  if (pos <= n)
    g_string_append_len (out, value + pos, n - pos);
  return g_string_free (out, FALSE);
}

/* ${NAME<op>word} once the word is read: the value, the default, the alternative, or an
 * error. */
static gboolean
apply_modifier (char op, gboolean null_is_unset, const char *name, const char *value,
                gboolean set, const char *word, GString *out, GError **error)
{
  g_autofree char *pat = NULL;
  g_autofree char *result = NULL;
  gboolean longest = FALSE;

  switch (op)
    {
    case '-':
      g_string_append (out, !set || (null_is_unset && *value == '\0') ? word : value);
      return TRUE;
    case '+':
      if (!(!set || (null_is_unset && *value == '\0')))
        g_string_append (out, word);
      return TRUE;
    case '?':
      if (!set)
        return fail (error, "%s: %s", name, *word ? word : "is not allowed to be unset");
      if (null_is_unset && *value == '\0')
        return fail (error, "%s: %s", name, *word ? word : "is not allowed to be empty");
      g_string_append (out, value);
      return TRUE;
    case '%':
    case '#':
      if (word[0] == op)
        {
          longest = TRUE;
          word++;
        }
      pat = compile_pattern (word, error);
      if (pat == NULL)
        return FALSE;
      result = op == '%' ? trim_suffix (pat, value, longest) : trim_prefix (pat, value, longest);
      g_string_append (out, result);
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
process_substitution (Lexer *lx, const char *name, gboolean null_is_unset, char op,
                      const char *ops, GString *out, GError **error)
{
  g_autoptr (GString) word = g_string_new (NULL);
  const char *value;
  gboolean set;

  if (!process_stop_on (lx, '}', op == '#' || op == '%', word, NULL, error))
    {
      if (lx->p >= lx->end)
        {
          g_clear_error (error);
          return fail (error, _("syntax error: missing '}'"));
        }
      return FALSE;
    }
  set = lookup (lx, name, &value);
  if (!set && (lx->flags & PIER_SHELL_WORDS_SKIP_UNSET))
    {
      g_string_append_printf (out, "${%s%s%s}", name, ops, word->str);
      return TRUE;
    }
  if (!apply_modifier (op, null_is_unset, name, value, set, word->str, out, error))
    {
      if (error == NULL || *error == NULL)
        return fail (error, _("unsupported modifier (%s) in substitution"), ops);
      return FALSE;
    }
  return TRUE;
}

static gboolean
process_replacement (Lexer *lx, const char *name, GString *out, GError **error)
{
  g_autoptr (GString) pattern = g_string_new (NULL);
  g_autoptr (GString) replacement = g_string_new (NULL);
  g_autofree char *pat = NULL;
  g_autofree char *result = NULL;
  gboolean all = FALSE;
  const char *value;

  if (lx->p < lx->end && *lx->p == '/')
    {
      all = TRUE;
      lx->p++;
    }
  if (!process_stop_on (lx, '/', TRUE, pattern, NULL, error))
    {
      if (lx->p >= lx->end)
        {
          g_clear_error (error);
          return fail (error, _("syntax error: missing '/' in ${}"));
        }
      return FALSE;
    }
  if (!process_stop_on (lx, '}', TRUE, replacement, NULL, error))
    {
      if (lx->p >= lx->end)
        {
          g_clear_error (error);
          return fail (error, _("syntax error: missing '}'"));
        }
      return FALSE;
    }
  if (!lookup (lx, name, &value) && (lx->flags & PIER_SHELL_WORDS_SKIP_UNSET))
    {
      g_string_append_printf (out, "${%s/%s/%s}", name, pattern->str, replacement->str);
      return TRUE;
    }
  pat = compile_pattern (pattern->str, error);
  if (pat == NULL)
    return FALSE;
  result = replace (pat, value, replacement->str, all);
  g_string_append (out, result);
  return TRUE;
}

/* After "${": the braced forms. */
static gboolean
process_braced (Lexer *lx, GString *out, GError **error)
{
  g_autofree char *name = NULL;
  const char *value;
  char op, ops[16] = { 0 };
  gsize len;

  if (lx->p >= lx->end)
    return fail (error, _("syntax error: missing '}'"));
  if (*lx->p == '{' || *lx->p == '}' || *lx->p == ':')
    return fail (error, _("syntax error: bad substitution"));
  name = process_name (lx);
  if (lx->p >= lx->end)
    return fail (error, _("syntax error: missing '}'"));
  op = *lx->p;
  len = pier_shell_char_length (lx->p, lx->end);
  memcpy (ops, lx->p, len);
  lx->p += len;
  switch (op)
    {
    case '}':
      if (!lookup (lx, name, &value) && (lx->flags & PIER_SHELL_WORDS_SKIP_UNSET))
        g_string_append_printf (out, "${%s}", name);
      else
        g_string_append (out, value);
      return TRUE;
    case ':':
      if (lx->p >= lx->end)
        return fail (error, _("syntax error: missing '}'"));
      op = *lx->p;
      memcpy (ops + 1, lx->p, pier_shell_char_length (lx->p, lx->end));
      lx->p += pier_shell_char_length (lx->p, lx->end);
      return process_substitution (lx, name, TRUE, op, ops, out, error);
    case '+': case '-': case '?': case '#': case '%':
      return process_substitution (lx, name, FALSE, op, ops, out, error);
    case '/':
      return process_replacement (lx, name, out, error);
    default:
      return fail (error, _("unsupported modifier (%s) in substitution"), ops);
    }
}

/* At "$": appends the expansion to @out. */
static gboolean
process_dollar (Lexer *lx, GString *out, GError **error)
{
  g_autofree char *name = NULL;
  const char *value;
  gboolean ok;

  lx->p++;
  if (lx->p >= lx->end || *lx->p != '{')
    {
      name = process_name (lx);
      if (*name == '\0')
        g_string_append_c (out, '$');
      else if (!lookup (lx, name, &value) && (lx->flags & PIER_SHELL_WORDS_SKIP_UNSET))
        g_string_append_printf (out, "$%s", name);
      else
        g_string_append (out, value);
      return TRUE;
    }
  lx->p++;
  if (lx->depth >= MAX_DEPTH)
    return fail (error, _("variable references nested more than %d deep"), MAX_DEPTH);
  lx->depth++;
  ok = process_braced (lx, out, error);
  lx->depth--;
  return ok;
}

static gboolean
process_single_quote (Lexer *lx, GString *out, GError **error)
{
  gboolean raw = (lx->flags & PIER_SHELL_WORDS_RAW_QUOTES) != 0;

  if (raw)
    g_string_append_c (out, '\'');
  lx->p++;
  for (;;)
    {
      if (lx->p >= lx->end)
        return fail (error,
                     _("unexpected end of statement while looking for matching single-quote"));
      if (*lx->p == '\'')
        {
          lx->p++;
          if (raw)
            g_string_append_c (out, '\'');
          return TRUE;
        }
      g_string_append_c (out, *lx->p++);
    }
}

static gboolean
process_double_quote (Lexer *lx, GString *out, GError **error)
{
  gboolean raw = (lx->flags & PIER_SHELL_WORDS_RAW_QUOTES) != 0;

  if (raw)
    g_string_append_c (out, '"');
  lx->p++;
  for (;;)
    {
      char c;

      if (lx->p >= lx->end)
        return fail (error,
                     _("unexpected end of statement while looking for matching double-quote"));
      c = *lx->p;
      if (c == '"')
        {
          lx->p++;
          if (raw)
            g_string_append_c (out, '"');
          return TRUE;
        }
      if (c == '$')
        {
          if (!process_dollar (lx, out, error))
            return FALSE;
          continue;
        }
      lx->p++;
      if (c == lx->escape)
        {
          if (lx->raw_escapes)
            g_string_append_c (out, c);
          if (lx->p >= lx->end)
            continue;
          if (*lx->p == '"' || *lx->p == '$' || *lx->p == lx->escape)
            c = *lx->p++;
        }
      g_string_append_c (out, c);
    }
}

/* At "<": "<<" takes the blanks after it into the same word, so "<< EOF" stays one heredoc
 * word. */
static void
process_possible_heredoc (Lexer *lx, GString *out)
{
  lx->p++;
  g_string_append_c (out, '<');
  if (lx->p >= lx->end || *lx->p != '<')
    return;
  lx->p++;
  g_string_append_c (out, '<');
  while (lx->p < lx->end && strchr (" \t\r\n", *lx->p) != NULL)
    g_string_append_c (out, *lx->p++);
}

/* Processes until @stop (consumed) or, when @stop is 0, the end. */
static gboolean
process_stop_on (Lexer *lx, char stop, gboolean raw_escapes, GString *out, Words *words,
                 GError **error)
{
  gboolean saved_raw = lx->raw_escapes;
  gboolean ok = TRUE;

  lx->raw_escapes = raw_escapes;
  while (lx->p < lx->end)
    {
      char c = *lx->p;
      gboolean quotes = (lx->flags & PIER_SHELL_WORDS_NO_QUOTES) == 0;
      g_autoptr (GString) tmp = NULL;
      gsize len;

      if (stop != '\0' && c == stop)
        {
          lx->p++;
          goto out;
        }
      if (c == '$' || c == '<' || (quotes && (c == '\'' || c == '"')))
        {
          tmp = g_string_new (NULL);
          if (c == '$')
            ok = process_dollar (lx, tmp, error);
          else if (c == '<')
            process_possible_heredoc (lx, tmp);
          else if (c == '\'')
            ok = process_single_quote (lx, tmp, error);
          else
            ok = process_double_quote (lx, tmp, error);
          if (!ok)
            goto out;
          g_string_append_len (out, tmp->str, tmp->len);
          if (c == '$')
            words_add_string (words, tmp->str);
          else
            words_add_raw (words, tmp->str, tmp->len);
          continue;
        }
      len = pier_shell_char_length (lx->p, lx->end);
      if (c == lx->escape)
        {
          if (lx->raw_escapes)
            {
              words_add_raw (words, lx->p, 1);
              g_string_append_c (out, c);
            }
          lx->p++;
          if (lx->p >= lx->end)
            break;
          len = pier_shell_char_length (lx->p, lx->end);
          words_add_raw (words, lx->p, len);
        }
      else
        words_add_char (words, lx->p, len, lx->end);
      g_string_append_len (out, lx->p, len);
      lx->p += len;
    }
  if (stop != '\0')
    ok = fail (error, _("unexpected end of statement while looking for matching %c"), stop);
out:
  lx->raw_escapes = saved_raw;
  return ok;
}

static gboolean
process (const char *word, char escape, PierShellWordsFlags flags, PierShellLookupFunc lookup_func,
         gpointer user_data, GString *out, Words *words, GError **error)
{
  Lexer lx = {
    .p = word,
    .end = word + strlen (word),
    .escape = escape,
    .flags = flags,
    .raw_escapes = (flags & PIER_SHELL_WORDS_RAW_ESCAPES) != 0,
    .lookup = lookup_func,
    .user_data = user_data,
  };

  if (!process_stop_on (&lx, '\0', lx.raw_escapes, out, words, error))
    {
      g_prefix_error (error, _("cannot expand “%s”: "), word);
      return FALSE;
    }
  return TRUE;
}

char *
pier_shell_expand_word (const char *word, char escape, PierShellWordsFlags flags,
                        PierShellLookupFunc lookup_func, gpointer user_data, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (!process (word, escape, flags, lookup_func, user_data, out, NULL, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char **
pier_shell_expand_words (const char *word, char escape, PierShellWordsFlags flags,
                         PierShellLookupFunc lookup_func, gpointer user_data, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GString) current = g_string_new (NULL);
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  Words words = { current, list, FALSE };

  if (!process (word, escape, flags, lookup_func, user_data, out, &words, error))
    return NULL;
  words_end_word (&words);
  g_ptr_array_add (list, NULL);
  return (char **) g_ptr_array_steal (list, NULL);
}

gboolean
pier_shell_lookup_hash_table (const char *name, const char **value, gpointer table)
{
  return g_hash_table_lookup_extended (table, name, NULL, (gpointer *) value);
}
