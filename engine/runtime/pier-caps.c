/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Capability sets by name, over libcap's table of names (so that a kernel's newer capability
 * is known as soon as libcap knows it). */
#include "pier-caps.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <string.h>
#include <sys/capability.h>

#define BIT(cap) (G_GUINT64_CONSTANT (1) << (cap))

guint64
pier_caps_default (void)
{
  static const int caps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,      CAP_SETGID,
    CAP_SETUID,  CAP_SETFCAP,      CAP_SETPCAP,          CAP_NET_BIND_SERVICE,
    CAP_SYS_CHROOT, CAP_KILL,      CAP_AUDIT_WRITE,
  };
  guint64 mask = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (caps); i++)
    mask |= BIT (caps[i]);
  return mask;
}

guint64
pier_caps_all (void)
{
  unsigned bits = cap_max_bits ();

  return bits >= 64 ? G_MAXUINT64 : BIT (bits) - 1;
}

/* "CAP_NET_RAW": libcap's name, in the case Docker prints. */
static char *
cap_name (int cap)
{
  char *lower = cap_to_name (cap);
  char *upper = g_ascii_strup (lower, -1);

  cap_free (lower);
  return upper;
}

int
pier_caps_from_name (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  g_autofree char *full = g_str_has_prefix (lower, "cap_") ? g_strdup (lower)
                                                              : g_strconcat ("cap_", lower, NULL);
  cap_value_t value;

  if (cap_from_name (full, &value) < 0 || value < 0 || value >= 64
      || !(pier_caps_all () & BIT (value)))
    return -1;
  return value;
}

char *
pier_caps_normalize (const char *name, const char *what, GError **error)
{
  int value;

  if (g_ascii_strcasecmp (name, "all") == 0)
    return g_strdup ("ALL");
  value = pier_caps_from_name (name);
  if (value < 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("%s: unknown capability “%s” (names as in capabilities(7), such as NET_RAW)"),
                   what, name);
      return NULL;
    }
  return cap_name (value);
}

static guint64
mask_of (const char *const *names, gboolean *all)
{
  guint64 mask = 0;

  *all = FALSE;
  for (gsize i = 0; names && names[i]; i++)
    {
      int value = pier_caps_from_name (names[i]);

      if (g_ascii_strcasecmp (names[i], "all") == 0)
        *all = TRUE;
      else if (value >= 0)
        mask |= BIT (value);
    }
  return mask;
}

guint64
pier_caps_compute (const char *const *add, const char *const *drop)
{
  gboolean add_all, drop_all;
  guint64 added = mask_of (add, &add_all);
  guint64 dropped = mask_of (drop, &drop_all);
  guint64 caps = drop_all ? 0 : pier_caps_default ();

  if (add_all)
    caps = pier_caps_all ();
  return ((caps & ~dropped) | added) & pier_caps_all ();
}

GStrv
pier_caps_to_names (guint64 caps)
{
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();

  for (int cap = 0; cap < 64; cap++)
    if (caps & BIT (cap))
      {
        g_autofree char *name = cap_name (cap);
        g_strv_builder_add (names, name);
      }
  return g_strv_builder_end (names);
}
