/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-quantity.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <inttypes.h>
#include <string.h>

#define MAX_FRACTION_DIGITS 9

typedef enum { READ_OK, READ_SYNTAX, READ_TOO_LARGE, READ_TOO_PRECISE } ReadResult;

typedef struct {
  guint64 whole;
  guint64 fraction;       /* the digits after the point, as a whole number */
  guint64 fraction_scale; /* 10 to the number of those digits */
} Decimal;

/* digits[.digits] at *p, which moves past it. strtod would also take " -1", "1e30", "0x10",
 * "nan" and "inf", and strtoull wraps "-1" round to 18446744073709551615. */
static ReadResult
read_decimal (const char **p, Decimal *d)
{
  const char *s = *p;

  *d = (Decimal) { 0, 0, 1 };
  if (!g_ascii_isdigit (*s))
    return READ_SYNTAX;
  for (; g_ascii_isdigit (*s); s++)
    {
      guint digit = *s - '0';
      if (d->whole > (G_MAXUINT64 - digit) / 10)
        return READ_TOO_LARGE;
      d->whole = d->whole * 10 + digit;
    }
  if (*s == '.')
    {
      s++;
      if (!g_ascii_isdigit (*s))
        return READ_SYNTAX;
      for (guint n = 0; g_ascii_isdigit (*s); s++, n++)
        {
          if (n == MAX_FRACTION_DIGITS)
            return READ_TOO_PRECISE;
          d->fraction = d->fraction * 10 + (guint64) (*s - '0');
          d->fraction_scale *= 10;
        }
    }
  *p = s;
  return READ_OK;
}

static gboolean
fail (GError **error, const char *what, const char *text, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

static gboolean
fail (GError **error, const char *what, const char *text, const char *format, ...)
{
  g_autofree char *quoted = pier_error_quote (text);
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("invalid %s %s: %s"), what, quoted, why);
  return FALSE;
}

/* The multiplier of a size's unit at *p (1 for none), moving past it; 0 if it is no unit. */
static guint64
read_unit (const char **p)
{
  static const char units[] = "kmgtp";
  const char *s = *p;
  const char *u = *s != '\0' ? strchr (units, g_ascii_tolower (*s)) : NULL;
  guint64 multiplier = 1;

  if (u != NULL)
    {
      multiplier = G_GUINT64_CONSTANT (1) << (10 * (u - units + 1));
      s++;
      if (g_ascii_tolower (*s) == 'i')
        s++;
    }
  if (g_ascii_tolower (*s) == 'b')
    s++;
  if (*s != '\0')
    return 0;
  *p = s;
  return multiplier;
}

gboolean
pier_quantity_parse_size (const char *what, const char *text, guint64 max, guint64 *out,
                          GError **error)
{
  g_autofree char *largest = g_format_size_full (max, G_FORMAT_SIZE_IEC_UNITS);
  const char *p = text;
  guint64 multiplier, fraction_bytes;
  Decimal d;

  switch (read_decimal (&p, &d))
    {
    case READ_OK:
      break;
    case READ_TOO_LARGE:
      return fail (error, what, text, _("more than the largest size, %s"), largest);
    case READ_TOO_PRECISE:
      return fail (error, what, text, _("at most %d digits after the point"), MAX_FRACTION_DIGITS);
    case READ_SYNTAX:
    default:
      return fail (error, what, text, _("a number of bytes, optionally with a unit (b, k, m, g, t "
                     "or p), such as 512m or 1.5g"));
    }
  multiplier = read_unit (&p);
  if (multiplier == 0)
    return fail (error, what, text,
                 _("a unit is b, k, m, g, t or p (then b or ib), as in 512m or 1.5GiB"));
  /* fraction × multiplier ÷ scale, exactly and rounded down, without overflowing: fraction and
   * the multiplier's remainder are both below the scale, at most 10⁹. */
  fraction_bytes = d.fraction * (multiplier / d.fraction_scale) +
                   d.fraction * (multiplier % d.fraction_scale) / d.fraction_scale;
  if (fraction_bytes > max || d.whole > (max - fraction_bytes) / multiplier)
    return fail (error, what, text, _("more than the largest size, %s"), largest);
  *out = d.whole * multiplier + fraction_bytes;
  return TRUE;
}

gboolean
pier_quantity_parse_decimal (const char *what, const char *text, double min, double max,
                             double *out, GError **error)
{
  const char *p = text;
  Decimal d;
  ReadResult result = read_decimal (&p, &d);
  double value;

  if (result == READ_TOO_PRECISE)
    return fail (error, what, text, _("at most %d digits after the point"), MAX_FRACTION_DIGITS);
  if (result == READ_SYNTAX || (result == READ_OK && *p != '\0'))
    return fail (error, what, text, _("a decimal number such as 0.5 or 2"));
  value = result == READ_OK ? (double) d.whole + (double) d.fraction / (double) d.fraction_scale
                            : G_MAXDOUBLE;
  if (value < min || value > max)
    return fail (error, what, text, _("from %g to %g"), min, max);
  *out = value;
  return TRUE;
}

gboolean
pier_quantity_parse_count (const char *what, const char *text, guint64 min, guint64 max,
                           guint64 *out, GError **error)
{
  const char *p = text;
  Decimal d;
  ReadResult result = read_decimal (&p, &d);

  if (result == READ_TOO_LARGE)
    return fail (error, what, text, _("from %" PRIu64 " to %" PRIu64), min, max);
  if (result != READ_OK || *p != '\0' || d.fraction_scale != 1)
    return fail (error, what, text, _("a whole number from %" PRIu64 " to %"
                   PRIu64), min, max);
  if (d.whole < min || d.whole > max)
    return fail (error, what, text, _("from %" PRIu64 " to %" PRIu64), min, max);
  *out = d.whole;
  return TRUE;
}
