/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-error.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (pier-error-quark, pier_error)

/* Bytes of a value an error message shows; a longer one is cut with "…". */
#define QUOTE_MAX 200

PierErrorCode
pier_error_code_from_errno (int errsv)
{
  switch (errsv)
    {
    case ENOENT:
      return PIER_ERROR_NOT_FOUND;
    case EEXIST:
    case ENOTEMPTY:
      return PIER_ERROR_EXISTS;
    case ENOSPC:
    case EDQUOT:
      return PIER_ERROR_NO_SPACE;
    case EACCES:
    case EPERM:
    case EROFS:
      return PIER_ERROR_PERMISSION;
    case EBUSY:
      return PIER_ERROR_IN_USE;
    case EINVAL:
      return PIER_ERROR_INVALID;
    case ECANCELED:
      return PIER_ERROR_CANCELLED;
    default:
      return PIER_ERROR_FAILED;
    }
}

gboolean
pier_set_errno (GError **error, int errsv, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PIER_ERROR, pier_error_code_from_errno (errsv), "%s: %s", what,
               g_strerror (errsv));
  return FALSE;
}

char *
pier_error_quote (const char *text)
{
  GString *out = g_string_new ("“");
  const char *p = text;
  const char *end = text + strlen (text);
  const char *shown_end = end - text > QUOTE_MAX ? text + QUOTE_MAX : end;

  while (p < shown_end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == '\n' || c == '\t' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c == '\n' ? 'n' : c == '\t' ? 't' : '\\');
          p++;
        }
      else if (c == (gunichar) -1 || c == (gunichar) -2 || c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", (guchar) *p++);
      else
        {
          const char *next = g_utf8_next_char (p);
          g_string_append_len (out, p, next - p);
          p = next;
        }
    }
  g_string_append (out, p < end ? "…”" : "”");
  return g_string_free (out, FALSE);
}
