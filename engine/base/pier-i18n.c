/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-i18n.h"

#include <locale.h>
#include <string.h>

static void
bind_catalogue (void)
{
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  /* GLib and GTK take text as UTF-8; a catalogue read in a legacy charset would not be. */
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

void
pier_i18n_init (void)
{
  setlocale (LC_ALL, "");
  bind_catalogue ();
}

/* The locale setlocale(LC_MESSAGES, "") would choose, from the environment as POSIX orders it. */
static gboolean
messages_locale_is_c (void)
{
  const char *names[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = g_getenv (names[i]);

      if (value != NULL && *value != '\0')
        return strcmp (value, "C") == 0 || strcmp (value, "POSIX") == 0 ||
               g_str_has_prefix (value, "C.");
    }
  return TRUE;
}

void
pier_i18n_init_messages (void)
{
  /* A helper started for every container (pier-monitor) only words messages, and in the C
   * locale there is nothing to translate: loading the locale would cost each container start
   * some thirty file lookups for nothing. */
  if (messages_locale_is_c ())
    return;
  setlocale (LC_CTYPE, "");
  setlocale (LC_MESSAGES, "");
  bind_catalogue ();
}
