/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/* JSON documents that never lose a value.
 *
 * jansson's constructors return NULL for text that is not UTF-8 and for a number that is not
 * finite, and its setters then leave the member out without a word: a command's argument, an
 * environment variable or a label would vanish from what Pier writes. The helpers here keep
 * the first value that cannot be written, named, in a PierJsonWriter; pier_json_writer_dump()
 * then fails with it instead of writing the rest.
 *
 * Text Pier only shows and never reads back (a process's command line from /proc, a user name
 * from a container's /etc/passwd) may hold any bytes: pier_json_shown_text() keeps such a value
 * visible rather than failing a whole listing because of one process. */

typedef struct {
  GError *error; /* the first value that could not be written */
} PierJsonWriter;

void pier_json_writer_clear (PierJsonWriter *w);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PierJsonWriter, pier_json_writer_clear)

/* For checks where a value comes in (a flag, a Dockerfile): PIER_ERROR_INVALID,
 * "@what “caf\xe9” is not valid UTF-8 text", unless @text is UTF-8. */
gboolean pier_json_validate_text (const char *what, const char *text, GError **error);

/* FALSE, with the error recorded in @w, unless @text is UTF-8; @name says whose it is. */
gboolean pier_json_check_text (PierJsonWriter *w, const char *name, const char *text);

/* A JSON string, or NULL with the error recorded. */
json_t *pier_json_text (PierJsonWriter *w, const char *name, const char *text);
/* The same, and frees @text. */
json_t *pier_json_text_take (PierJsonWriter *w, const char *name, char *text);
/* An array of strings, NAME[i] in errors; NULL @strv is the empty array. */
json_t *pier_json_strv (PierJsonWriter *w, const char *name, const char *const *strv);
/* A JSON number, or NULL with the error recorded for NaN and infinities. */
json_t *pier_json_real (PierJsonWriter *w, const char *name, double value);
/* For text that is only shown: bytes that are not UTF-8 become U+FFFD. Never NULL. */
json_t *pier_json_shown_text (const char *text);

/* Sets @key (checked) to @value, which it takes. A NULL @value is the failure of the call that
 * made it, already recorded. */
void pier_json_set (PierJsonWriter *w, json_t *object, const char *key, json_t *value);
/* @key to @text; a NULL @text leaves the member out. */
void pier_json_set_text (PierJsonWriter *w, json_t *object, const char *key, const char *text);
/* Appends @value, which it takes; NULL as for pier_json_set(). */
void pier_json_append (PierJsonWriter *w, json_t *array, json_t *value);

/* @root (taken) as text in GLib-allocated memory, or NULL with the first value that could not
 * be written. */
char *pier_json_writer_dump (PierJsonWriter *w, json_t *root, size_t flags, GError **error);

G_END_DECLS
