/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-json.h"

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/* Sizes and ages as Docker prints them: "4.26MB", "2 weeks ago". Not translated: they are the
 * tables' values, which scripts parse as Docker's (as `ps` reads "Up" and "Exited"). */
char *pier_format_size (guint64 bytes);
char *pier_format_ago (gint64 unix_time);

/* Columns separated by three spaces, padded to their widest cell. The tables' headers stay as
 * written ("CONTAINER ID", "IMAGE"): they are Docker's, and scripts look for them. */
typedef struct _PierTable PierTable;

PierTable *pier_table_new (const char *first_header, ...) G_GNUC_NULL_TERMINATED;
void pier_table_add_row (PierTable *table, const char *first_cell, ...) G_GNUC_NULL_TERMINATED;
void pier_table_print (PierTable *table);
void pier_table_free (PierTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierTable, pier_table_free)

/* --format: NULL (the table), "table" or "json"; anything else is an error naming them. */
gboolean pier_format_check (const char *format, GError **error);
/* Prints @value (built with @w) as indented JSON, keys in their order, and releases it; FALSE,
 * printing nothing, if @w holds a value that could not be written. */
gboolean pier_format_print_json (PierJsonWriter *w, json_t *value, GError **error);

/* Shortens @text to @max characters with a trailing "…" (UTF-8 aware). */
char *pier_format_truncate (const char *text, guint max);

G_END_DECLS
