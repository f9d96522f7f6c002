/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-dockerignore-private.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-shell-words.h"

#include <string.h>

/* How a pattern matches, chosen as Docker chooses it: plain text compares whole paths, "x**"
 * compares a prefix, "**x" (no other wildcard) compares a suffix, anything else walks tokens. */
typedef enum {
  MATCH_EXACT,
  MATCH_PREFIX,
  MATCH_SUFFIX,
  MATCH_TOKENS,
} MatchType;

typedef enum {
  TOKEN_LITERAL,      /* one character, bytes in text */
  TOKEN_STAR,         /* "*": any run without "/" */
  TOKEN_QUESTION,     /* "?": one character other than "/" */
  TOKEN_CLASS,        /* "[...]": one character in (or, with "^", not in) the set */
  TOKEN_ANY_DIRS,     /* "**" inside a pattern (a slash after it is eaten): nothing, or anything
                         ending in a slash */
  TOKEN_ANY,          /* "**" ending a pattern: anything */
} TokenKind;

typedef struct {
  TokenKind kind;
  char *text;         /* the literal character, or the class body after "[" (its "]" included) */
} Token;

typedef struct {
  char *cleaned;      /* without the "!" */
  gboolean exclusion;
  MatchType type;
  Token *tokens;
  guint n_tokens;
} Pattern;

struct _PierDockerignore {
  Pattern *patterns;
  guint n_patterns;
  char **texts;       /* as pier_dockerignore_get_patterns() returns them */
  gboolean exclusions;
};

static void
pattern_clear (Pattern *p)
{
  for (guint i = 0; i < p->n_tokens; i++)
    g_free (p->tokens[i].text);
  g_free (p->tokens);
  g_free (p->cleaned);
}

void
pier_dockerignore_free (PierDockerignore *ignore)
{
  if (ignore == NULL)
    return;
  for (guint i = 0; i < ignore->n_patterns; i++)
    pattern_clear (&ignore->patterns[i]);
  g_free (ignore->patterns);
  g_strfreev (ignore->texts);
  g_free (ignore);
}

/* Go's path.Clean: lexical only, "" is ".". */
static char *
clean_path (const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();
  gboolean rooted = path[0] == '/';
  GString *out = g_string_new (rooted ? "/" : "");

  for (char **p = parts; *p != NULL; p++)
    {
      if (**p == '\0' || strcmp (*p, ".") == 0)
        continue;
      if (strcmp (*p, "..") == 0)
        {
          if (kept->len > 0 && strcmp (g_ptr_array_index (kept, kept->len - 1), "..") != 0)
            g_ptr_array_remove_index (kept, kept->len - 1);
          else if (!rooted)
            g_ptr_array_add (kept, *p);
          continue;
        }
      g_ptr_array_add (kept, *p);
    }
  for (guint i = 0; i < kept->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, '/');
      g_string_append (out, g_ptr_array_index (kept, i));
    }
  if (out->len == 0)
    g_string_append_c (out, '.');
  return g_string_free (out, FALSE);
}

/* Reads a class body starting after "[" (and "^"); returns the length up to the closing "]",
 * or -1 when the class is malformed the way Go's filepath.Match reports ErrBadPattern. */
static gssize
scan_class (const char *body)
{
  const char *p = body;

  do
    {
      for (int bound = 0; bound < 2; bound++) /* the low end, then the high end after "-" */
        {
          if (*p == '\0' || *p == '-' || *p == ']')
            return -1;
          if (*p == '\\' && *++p == '\0')
            return -1;
          p += pier_shell_char_length (p, NULL);
          if (bound == 1 || *p != '-')
            break;
          p++;
        }
    }
  while (*p != ']');
  return p - body;
}

static void
add_token (GArray *tokens, TokenKind kind, const char *text, gsize len)
{
  Token t = { kind, text != NULL ? g_strndup (text, len) : NULL };

  g_array_append_val (tokens, t);
}

static gboolean
compile (Pattern *pat, GError **error)
{
  g_autoptr (GArray) tokens = g_array_new (FALSE, FALSE, sizeof (Token));
  const char *p = pat->cleaned;
  MatchType type = MATCH_EXACT;

  for (guint i = 0; *p != '\0'; i++)
    {
      if (p[0] == '*' && p[1] == '*')
        {
          p += 2;
          if (*p == '/')
            p++;
          if (*p == '\0' && type == MATCH_EXACT)
            type = MATCH_PREFIX;
          else
            {
              add_token (tokens, *p == '\0' ? TOKEN_ANY : TOKEN_ANY_DIRS, NULL, 0);
              type = MATCH_TOKENS;
            }
          if (i == 0)
            type = MATCH_SUFFIX;
        }
      else if (*p == '*' || *p == '?')
        {
          add_token (tokens, *p == '*' ? TOKEN_STAR : TOKEN_QUESTION, NULL, 0);
          type = MATCH_TOKENS;
          p++;
        }
      else if (*p == '\\')
        {
          if (p[1] == '\0')
            goto bad;
          add_token (tokens, TOKEN_LITERAL, p + 1, pier_shell_char_length (p + 1, NULL));
          type = MATCH_TOKENS;
          p += 1 + pier_shell_char_length (p + 1, NULL);
        }
      else if (*p == '[')
        {
          gssize len = scan_class (p + 1 + (p[1] == '^'));

          if (len < 0)
            goto bad;
          len += p[1] == '^';
          add_token (tokens, TOKEN_CLASS, p + 1, len + 1); /* "]" included: it ends the walk */
          type = MATCH_TOKENS;
          p += len + 2;
        }
      else
        {
          add_token (tokens, TOKEN_LITERAL, p, pier_shell_char_length (p, NULL));
          p += pier_shell_char_length (p, NULL);
        }
    }
  pat->type = type;
  pat->n_tokens = tokens->len;
  pat->tokens = (Token *) (void *) g_array_free (g_steal_pointer (&tokens), FALSE);
  return TRUE;

bad:
  for (guint i = 0; i < tokens->len; i++)
    g_free (g_array_index (tokens, Token, i).text);
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("bad pattern “%s”: a “[...]” class is unfinished or empty, or a “\\” ends it"),
               pat->cleaned);
  return FALSE;
}

static gunichar
decode_char (const char *p)
{
  gunichar c = g_utf8_get_char_validated (p, -1);

  return c == (gunichar) -1 || c == (gunichar) -2 ? (guchar) *p : c;
}

static gboolean
class_matches (const char *body, gunichar c)
{
  gboolean negate = *body == '^';
  gboolean found = FALSE;
  const char *p = body + negate;

  while (*p != ']')
    {
      gunichar lo, hi;

      if (*p == '\\')
        p++;
      lo = hi = decode_char (p);
      p += pier_shell_char_length (p, NULL);
      if (*p == '-')
        {
          p++;
          if (*p == '\\')
            p++;
          hi = decode_char (p);
          p += pier_shell_char_length (p, NULL);
        }
      if (lo <= c && c <= hi)
        found = TRUE;
    }
  return found != negate;
}

static gboolean
is_boundary (const char *path, gsize i, gsize n)
{
  return i == n || ((guchar) path[i] & 0xC0) != 0x80;
}

/* Runs the tokens over @path as a set of reachable offsets, one token at a time: linear in the
 * tokens times the length, no recursion, no backtracking. */
static gboolean
match_tokens (const Pattern *pat, const char *path, gsize n)
{
  g_autofree gboolean *reach = g_new0 (gboolean, n + 1);
  g_autofree gboolean *next = g_new0 (gboolean, n + 1);

  reach[0] = TRUE;
  for (guint ti = 0; ti < pat->n_tokens; ti++)
    {
      const Token *t = &pat->tokens[ti];
      gboolean seen = FALSE, any = FALSE;

      memset (next, 0, (n + 1) * sizeof (gboolean));
      for (gsize i = 0; i <= n; i++)
        {
          gsize len = i < n ? pier_shell_char_length (path + i, path + n) : 0;

          if (!is_boundary (path, i, n))
            continue;
          seen |= reach[i];
          switch (t->kind)
            {
            case TOKEN_LITERAL:
              if (reach[i] && strncmp (path + i, t->text, strlen (t->text)) == 0)
                next[i + strlen (t->text)] = TRUE;
              break;
            case TOKEN_STAR:
              next[i] |= seen;
              if (i < n && path[i] == '/')
                seen = FALSE;
              break;
            case TOKEN_QUESTION:
              if (reach[i] && i < n && path[i] != '/')
                next[i + len] = TRUE;
              break;
            case TOKEN_CLASS:
              if (reach[i] && i < n && class_matches (t->text, decode_char (path + i)))
                next[i + len] = TRUE;
              break;
            case TOKEN_ANY_DIRS:
              next[i] |= reach[i];
              if (seen && i < n && path[i] == '/')
                next[i + 1] = TRUE;
              break;
            case TOKEN_ANY:
              next[i] |= seen;
              break;
            default:
              g_assert_not_reached ();
            }
        }
      for (gsize i = 0; i <= n; i++)
        any |= (reach[i] = next[i]);
      if (!any)
        return FALSE;
    }
  return reach[n];
}

static gboolean
pattern_matches (const Pattern *pat, const char *path)
{
  gsize n = strlen (path), len = strlen (pat->cleaned);

  switch (pat->type)
    {
    case MATCH_EXACT:
      return strcmp (path, pat->cleaned) == 0;
    case MATCH_PREFIX:
      return strncmp (path, pat->cleaned, len - 2) == 0;
    case MATCH_SUFFIX:
      return (n >= len - 2 && strcmp (path + n - (len - 2), pat->cleaned + 2) == 0)
             || (pat->cleaned[2] == '/' && strcmp (path, pat->cleaned + 3) == 0);
    case MATCH_TOKENS:
    default:
      return match_tokens (pat, path, n);
    }
}

static PierDockerignore *
build (GPtrArray *texts, GArray *lines, GError **error)
{
  g_autoptr (PierDockerignore) ignore = g_new0 (PierDockerignore, 1);
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);

  ignore->patterns = g_new0 (Pattern, texts->len);
  for (guint i = 0; i < texts->len; i++)
    {
      g_autofree char *trimmed = pier_shell_trim_space (g_ptr_array_index (texts, i));
      g_autofree char *cleaned = NULL;
      Pattern *pat = &ignore->patterns[ignore->n_patterns];

      if (*trimmed == '\0')
        continue;
      cleaned = clean_path (trimmed);
      if (cleaned[0] == '!')
        {
          if (cleaned[1] == '\0')
            {
              g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                           _("illegal exclusion pattern “!”"));
              goto fail;
            }
          pat->exclusion = TRUE;
          ignore->exclusions = TRUE;
        }
      pat->cleaned = g_strdup (cleaned + pat->exclusion);
      if (!compile (pat, error))
        {
          g_clear_pointer (&pat->cleaned, g_free);
          goto fail;
        }
      ignore->n_patterns++;
      g_ptr_array_add (kept, g_steal_pointer (&cleaned));
      continue;

fail:
      if (lines != NULL)
        g_prefix_error (error, _(".dockerignore:%u: "), g_array_index (lines, guint, i));
      return NULL;
    }
  g_ptr_array_add (kept, NULL);
  ignore->texts = (char **) g_ptr_array_steal (kept, NULL);
  return g_steal_pointer (&ignore);
}

PierDockerignore *
pier_dockerignore_new (const char *const *patterns, GError **error)
{
  g_autoptr (GPtrArray) texts = g_ptr_array_new ();

  for (const char *const *p = patterns; p != NULL && *p != NULL; p++)
    g_ptr_array_add (texts, (char *) *p);
  return build (texts, NULL, error);
}

PierDockerignore *
pier_dockerignore_parse (const char *data, gsize length, GError **error)
{
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) lines = g_array_new (FALSE, FALSE, sizeof (guint));
  const char *p = data, *end = data + length;

  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  for (guint line = 1; p < end; line++)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *stop = nl != NULL ? nl : end;
      g_autofree char *text = NULL;
      g_autofree char *pattern = NULL;
      gboolean invert;

      if (memchr (p, '\0', stop - p) != NULL)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _(".dockerignore:%u: the line holds a NUL byte"), line);
          return NULL;
        }
      text = g_strndup (p, stop > p && stop[-1] == '\r' ? stop - p - 1 : stop - p);
      p = nl != NULL ? nl + 1 : end;
      if (text[0] == '#')
        continue;
      pattern = pier_shell_trim_space (text);
      if (*pattern == '\0')
        continue;
      invert = pattern[0] == '!';
      if (invert)
        {
          char *rest = pier_shell_trim_space (pattern + 1);

          g_free (pattern);
          pattern = rest;
        }
      if (*pattern != '\0')
        {
          char *cleaned = clean_path (pattern);

          g_free (pattern);
          pattern = cleaned;
          if (pattern[0] == '/' && pattern[1] != '\0')
            memmove (pattern, pattern + 1, strlen (pattern));
        }
      g_ptr_array_add (texts, g_strconcat (invert ? "!" : "", pattern, NULL));
      g_array_append_val (lines, line);
    }
  return build (texts, lines, error);
}

gboolean
pier_dockerignore_matches (const PierDockerignore *ignore, const char *path)
{
  g_autofree char *file = NULL;
  g_autofree char *parent = NULL;
  gboolean matched = FALSE;

  while (*path == '/')
    path++;
  file = clean_path (path);
  if (strcmp (file, ".") == 0)
    return FALSE;
  parent = strrchr (file, '/') != NULL ? g_strndup (file, strrchr (file, '/') - file) : NULL;

  for (guint i = 0; i < ignore->n_patterns; i++)
    {
      const Pattern *pat = &ignore->patterns[i];
      gboolean match;

      if (pat->exclusion != matched)
        continue;
      match = pattern_matches (pat, file);
      /* Each ancestor directory in turn: "build" excludes "build/out/x". */
      for (const char *c = parent; !match && c != NULL;)
        {
          const char *slash = strchr (c, '/');
          g_autofree char *dir = g_strndup (parent, slash != NULL ? (gsize) (slash - parent)
                                                                  : strlen (parent));

          match = pattern_matches (pat, dir);
          c = slash != NULL ? slash + 1 : NULL;
        }
      if (match)
        matched = !pat->exclusion;
    }
  return matched;
}

gboolean
pier_dockerignore_has_exclusions (const PierDockerignore *ignore)
{
  return ignore->exclusions;
}

const char *const *
pier_dockerignore_get_patterns (const PierDockerignore *ignore)
{
  return (const char *const *) ignore->texts;
}
