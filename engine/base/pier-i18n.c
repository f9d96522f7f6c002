/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-i18n.h"

#include <locale.h>

void
pier_i18n_init (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  /* GLib and GTK take text as UTF-8; a catalogue read in a legacy charset would not be. */
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
