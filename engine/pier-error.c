#include "pier-error.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (pier-error-quark, pier_error)

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
