/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Numbers people type into flags and forms: sizes ("512m", "1.5g"), decimals ("0.5") and whole
 * numbers ("10"). Strict: no sign, space, exponent, hexadecimal, nan or inf, nothing after the
 * number; a value out of range is an error, never clamped, wrapped or read as "no limit".
 * Errors (PIER_ERROR_INVALID) name @what, the flag ("--memory") or the field, and the text. */

/* Bytes: digits, an optional fraction, then an optional unit b, k, m, g, t or p (powers of 1024,
 * as Docker takes them) with an optional "b" or "ib" after k to p: "512m", "1.5GiB", "2kb".
 * Rounded down to whole bytes; at most @max. */
gboolean pier_quantity_parse_size (const char *what, const char *text, guint64 max,
                                   guint64 *out, GError **error);

/* Digits with at most 9 after a decimal point ("0.5", "2"), from @min to @max. */
gboolean pier_quantity_parse_decimal (const char *what, const char *text, double min, double max,
                                      double *out, GError **error);

/* Digits only, from @min to @max. */
gboolean pier_quantity_parse_count (const char *what, const char *text, guint64 min,
                                    guint64 max, guint64 *out, GError **error);

G_END_DECLS
