/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Variable expansion and word splitting as BuildKit's Dockerfile shell lexer does them: $NAME,
 * ${NAME}, ${NAME:-default} ${NAME-default} ${NAME:+alt} ${NAME+alt} ${NAME:?message}
 * ${NAME?message}, ${NAME#pattern} ${NAME##pattern} ${NAME%pattern} ${NAME%%pattern},
 * ${NAME/pattern/replacement} ${NAME//pattern/replacement}; single quotes (literal), double
 * quotes (only $, the quote and the escape character are special), and the escape character
 * (\ or `, from the Dockerfile's escape directive). This is not a shell: no command
 * substitution, no arithmetic, no globbing. */

/* Returns TRUE and sets *@value (borrowed; may be "") when @name is set. The builder supplies
 * the environment this way: a hash table, a Dockerfile scope, anything. */
typedef gboolean (*PierShellLookupFunc) (const char *name, const char **value, gpointer user_data);

typedef enum {
  PIER_SHELL_WORDS_DEFAULT = 0,
  PIER_SHELL_WORDS_RAW_QUOTES = 1 << 0,   /* keep quote characters in the result */
  PIER_SHELL_WORDS_RAW_ESCAPES = 1 << 1,  /* keep escape characters in the result */
  PIER_SHELL_WORDS_SKIP_UNSET = 1 << 2,   /* leave references to unset variables as written */
  PIER_SHELL_WORDS_NO_QUOTES = 1 << 3,    /* quotes are ordinary characters (heredoc bodies) */
} PierShellWordsFlags;

/* Expands @word into one string (spaces kept). @lookup may be NULL: nothing is set.
 * Errors (PIER_ERROR_INVALID) name the word and what is wrong with it. */
char *pier_shell_expand_word (const char *word, char escape, PierShellWordsFlags flags,
                              PierShellLookupFunc lookup, gpointer user_data, GError **error);

/* Expands @word, then splits it into words at unquoted whitespace, as RUN's shell would
 * (whitespace that came from a variable's value splits too). */
char **pier_shell_expand_words (const char *word, char escape, PierShellWordsFlags flags,
                                PierShellLookupFunc lookup, gpointer user_data, GError **error);

/* A PierShellLookupFunc over a GHashTable of char* name → char* value. */
gboolean pier_shell_lookup_hash_table (const char *name, const char **value, gpointer table);

/* The length in bytes of the UTF-8 character at @p, reading no further than @end (NULL: @p is
 * NUL-terminated); 1 for a byte that starts no valid character, so any bytes can be walked. */
gsize pier_shell_char_length (const char *p, const char *end);

/* The length in bytes of the Unicode whitespace character at @p (before @end), or 0: what Go's
 * unicode.IsSpace accepts, which BuildKit uses to trim and split. */
gsize pier_shell_space_length (const char *p, const char *end);

/* A copy of @s without its leading and trailing Unicode whitespace (Go's strings.TrimSpace). */
char *pier_shell_trim_space (const char *s);

G_END_DECLS
