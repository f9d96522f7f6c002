/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-container-options.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#define HOST_NAME_MAX_BYTES 64 /* the kernel's HOST_NAME_MAX */
#define NAME_MAX_BYTES 128

static gboolean
invalid (GError **error, const char *what, const char *text, const char *why)
{
  g_autofree char *quoted = pier_error_quote (text);

  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("invalid %s %s: %s"), what, quoted, why);
  return FALSE;
}

/* Letters, digits and @extra, starting with a letter or digit, at most @max bytes. */
static gboolean
is_word (const char *text, const char *extra, gsize max)
{
  if (!g_ascii_isalnum (text[0]) || strlen (text) > max)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr (extra, *p) == NULL)
      return FALSE;
  return TRUE;
}

/* The host name goes into the container's /etc/hostname and /etc/hosts, one line each. */
static gboolean
check_hostname (const char *hostname, GError **error)
{
  if (is_word (hostname, "-_.", HOST_NAME_MAX_BYTES))
    return TRUE;
  return invalid (error, "host name", hostname,
                  "letters, digits, '-', '_' and '.', starting with a letter or digit, at most "
                  G_STRINGIFY (HOST_NAME_MAX_BYTES) " bytes");
}

gboolean
pier_container_check_env (const char *entry, GError **error)
{
  const char *eq = strchr (entry, '=');
  g_autofree char *name = eq ? g_strndup (entry, eq - entry) : g_strdup (entry);
  const char *inherited = eq ? NULL : g_getenv (name);

  if (*name == '\0')
    return invalid (error, "environment variable", entry, "the name is empty");
  if (!pier_json_validate_text ("the environment variable", entry, error))
    return FALSE;
  if (inherited != NULL)
    {
      g_autofree char *what = g_strdup_printf ("the value of %s in this environment", name);
      return pier_json_validate_text (what, inherited, error);
    }
  return TRUE;
}

static gboolean
check_limits (const PierContainerOptions *o, GError **error)
{
  if (o->memory_bytes != 0 &&
      (o->memory_bytes < PIER_CONTAINER_MEMORY_MIN || o->memory_bytes > PIER_CONTAINER_MEMORY_MAX))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("invalid memory limit %" PRIu64 " bytes: 0 (none) or from 6 MiB to %"
                     PRIu64 " bytes"), o->memory_bytes, PIER_CONTAINER_MEMORY_MAX);
      return FALSE;
    }
  if (!isfinite (o->cpus) ||
      (o->cpus != 0 && (o->cpus < PIER_CONTAINER_CPUS_MIN || o->cpus > PIER_CONTAINER_CPUS_MAX)))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("invalid CPU limit %g: 0 (none) or from %g to %g"),
                   o->cpus, PIER_CONTAINER_CPUS_MIN, PIER_CONTAINER_CPUS_MAX);
      return FALSE;
    }
  return TRUE;
}

gboolean
pier_container_options_check (const PierContainerOptions *o, GError **error)
{
  if (o->name != NULL && !is_word (o->name, "_.-", NAME_MAX_BYTES))
    return invalid (error, "container name", o->name,
                    "letters, digits, '_', '.' and '-', starting with a letter or digit");
  if (o->hostname != NULL && !check_hostname (o->hostname, error))
    return FALSE;
  /* Shown with its index (0 is the program, as the shell numbers them) and its bytes: a word
   * left out would shift every later one into its place. */
  for (guint i = 0; o->command != NULL && o->command[i] != NULL; i++)
    if (!g_utf8_validate (o->command[i], -1, NULL))
      {
        g_autofree char *quoted = pier_error_quote (o->command[i]);
        g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                     _("the command's argument %u, %s, is not valid UTF-8 text: a container's "
                       "command is kept as text (exec passes any bytes)"), i, quoted);
        return FALSE;
      }
  for (const char *const *e = o->env; e != NULL && *e != NULL; e++)
    if (!pier_container_check_env (*e, error))
      return FALSE;
  for (const char *const *v = o->volumes; v != NULL && *v != NULL; v++)
    if (!pier_json_validate_text ("the volume", *v, error))
      return FALSE;
  if ((o->working_dir != NULL &&
       !pier_json_validate_text ("the working directory", o->working_dir, error)) ||
      (o->user != NULL && !pier_json_validate_text ("the user", o->user, error)))
    return FALSE;
  return check_limits (o, error);
}
