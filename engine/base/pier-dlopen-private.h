/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

/* Opens @soname and fills @slots[i] with its symbol @names[i], for the libraries the engine
 * opens on first use rather than at start-up (pier-libarchive.h, pier-libssl.h). They are part
 * of every installation, so a failure is fatal, naming @package, the Debian package to
 * install. */
void pier_dlopen_symbols (const char *soname, const char *package, const char *const *names,
                          gpointer *slots, guint n);

#define PIER_DLOPEN_NAME_(name) #name,

/* Defines `const TYPE *GETTER (void)`, which opens SONAME once and returns its FUNCTIONS (an
 * X-macro list, the same that declares TYPE's fn_NAME members). */
#define PIER_DLOPEN_DEFINE_GETTER(TYPE, GETTER, FUNCTIONS, SONAME, PACKAGE)                      \
  static gpointer GETTER##_load (gpointer data)                                                  \
  {                                                                                              \
    static TYPE api;                                                                             \
    static const char *const names[] = { FUNCTIONS (PIER_DLOPEN_NAME_) };                        \
    G_STATIC_ASSERT (sizeof api == G_N_ELEMENTS (names) * sizeof (gpointer));                    \
    pier_dlopen_symbols (SONAME, PACKAGE, names, (gpointer *) &api, G_N_ELEMENTS (names));       \
    return &api;                                                                                 \
  }                                                                                              \
  const TYPE *GETTER (void)                                                                      \
  {                                                                                              \
    static GOnce once = G_ONCE_INIT;                                                             \
    return g_once (&once, GETTER##_load, NULL);                                                  \
  }
