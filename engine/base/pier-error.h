/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PIER_ERROR (pier_error_quark ())

/* Codes say what a caller may do about a failure; the message says what happened. */
typedef enum {
  PIER_ERROR_FAILED,        /* anything without a better code */
  PIER_ERROR_NOT_FOUND,     /* unknown image, container, blob or file */
  PIER_ERROR_INVALID,       /* bad input: reference, flag value, archive, Dockerfile */
  PIER_ERROR_CORRUPT,       /* stored data does not match its digest */
  PIER_ERROR_EXISTS,        /* a name is already taken */
  PIER_ERROR_IN_USE,        /* still referenced (image used by a container, ...) */
  PIER_ERROR_UNSAFE,        /* an archive tried to write outside its directory */
  PIER_ERROR_UNSUPPORTED,   /* valid, but not something Pier does */
  PIER_ERROR_NO_SPACE,      /* the disk is full */
  PIER_ERROR_PERMISSION,    /* the kernel or the user's rights refused */
  PIER_ERROR_CANCELLED,
  PIER_ERROR_EXECUTABLE_NOT_FOUND, /* a container's command is not in its PATH (or tree) */
} PierErrorCode;

GQuark pier_error_quark (void);

/* Sets @error from errno with "@what: strerror" and a code that follows errno. */
gboolean pier_set_errno (GError **error, int errsv, const char *format, ...) G_GNUC_PRINTF (3, 4);

PierErrorCode pier_error_code_from_errno (int errsv);

/* @text in “quotes” for a one-line message: bytes that are not UTF-8 and control characters
 * shown as \xNN (\n, \t and \\ as such), so that what a person typed can be seen exactly;
 * past 200 bytes it is cut with "…". */
char *pier_error_quote (const char *text);

G_END_DECLS
