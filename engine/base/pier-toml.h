/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The string values of a TOML document (containers.conf and its kind), read from text Pier does
 * not trust. Debian ships no TOML library Pier links, and Pier needs only strings: the other
 * values (numbers, booleans, dates, arrays, inline tables, multi-line strings too) are stepped
 * over, whole, wherever they span lines.
 *
 * @func is called for each key in the document order with its whole path (the table's keys,
 * then the key's own dotted parts, unquoted), and its value: the string, or NULL when the value
 * is of another type. */
typedef void (*PierTomlFunc) (const char *const *path, const char *value, gpointer user_data);

/* FALSE with PIER_ERROR_INVALID "line N: what is wrong" for a document that is not TOML as far
 * as this reader can tell (an unterminated string, a key without a value, a broken header). */
gboolean pier_toml_read (const char *text, gsize len, PierTomlFunc func, gpointer user_data,
                         GError **error);

G_END_DECLS
