/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Translatable text: every string meant for a person is written _("…"), or N_("…") where it
 * sits in a table and is translated where it is shown. The catalogue is GETTEXT_PACKAGE's
 * (meson.build), so the engine's strings are found whichever program links it; a program's
 * main calls pier_i18n_init() before it prints anything. Strings a machine reads (JSON keys,
 * file names, protocol words, table formats that scripts parse) stay bare. */

#ifndef GETTEXT_PACKAGE
#error "GETTEXT_PACKAGE must be defined (meson.build does it for the whole project)"
#endif

#include <glib/gi18n-lib.h>

/* The user's locale (LC_ALL="" as in setlocale(3)) and Pier's catalogue in LOCALEDIR, read
 * as UTF-8 whatever the locale's own encoding. In the C locale, or for a language with no
 * catalogue, every string is shown as written. */
void pier_i18n_init (void);

/* The same for a helper that only words messages (pier-monitor): the locale's character set and
 * language (LC_CTYPE, LC_MESSAGES), not its other categories, and nothing at all when the
 * environment names the C or POSIX locale (C.UTF-8 included), where every string is shown as
 * written anyway. */
void pier_i18n_init_messages (void);
