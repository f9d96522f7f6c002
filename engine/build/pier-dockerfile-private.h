/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by pier-dockerfile*.c only. */

#include "pier-dockerfile.h"

G_BEGIN_DECLS

/* The name messages give a Dockerfile that came without one. */
#define PIER_DOCKERFILE_DEFAULT_NAME "Dockerfile"

/* Sets PIER_ERROR_INVALID "FILENAME:LINE: message" and returns FALSE. */
gboolean pier_dockerfile_fail (GError **error, const char *filename, guint line,
                               const char *format, ...) G_GNUC_PRINTF (4, 5);
/* Sets PIER_ERROR_INVALID with just the message (the caller adds the place) and returns FALSE. */
gboolean pier_dockerfile_invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Past the Unicode whitespace at @p (Go's unicode.IsSpace). */
const char *pier_dockerfile_skip_space (const char *p, const char *end);

/* The \s of Go's regular expressions (RE2), which BuildKit's patterns use: no \v. */
static inline gboolean
pier_dockerfile_is_re_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* pier-dockerfile-line.c: a logical line (continuations joined) → an instruction, without
 * lines or heredoc bodies yet. */
PierInstruction *pier_dockerfile_parse_line (const char *line, char escape, GError **error);
/* The heredocs @line opens, in order, bodies still empty: a GArray of PierHeredoc. */
GArray *pier_dockerfile_line_heredocs (const char *line, GError **error);
/* Whether @word (one shell word) opens a heredoc: <<EOF, <<-"EOF", 3<<EOF. */
gboolean pier_dockerfile_word_is_heredoc (const char *word);
void pier_heredoc_clear (PierHeredoc *doc);

/* Arguments being collected for an instruction. */
typedef struct {
  GPtrArray *strings;
  GArray *lengths;
} PierArgList;

void pier_arg_list_init (PierArgList *list);
void pier_arg_list_add (PierArgList *list, const char *text, gsize length);
void pier_arg_list_take (PierArgList *list, char *text);
/* Moves the collected arguments into @insn (replacing its own) and empties @list. */
void pier_arg_list_finish (PierArgList *list, PierInstruction *insn);
void pier_arg_list_clear (PierArgList *list);

G_END_DECLS
