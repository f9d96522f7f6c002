/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-dlopen-private.h"

#include "pier-i18n.h"

#include <dlfcn.h>

void
pier_dlopen_symbols (const char *soname, const char *package, const char *const *names,
                     gpointer *slots, guint n)
{
  void *handle = dlopen (soname, RTLD_NOW | RTLD_LOCAL);

  if (handle == NULL)
    g_error (_("Pier needs %s (Debian's %s): %s"), soname, package, dlerror ());
  for (guint i = 0; i < n; i++)
    if ((slots[i] = dlsym (handle, names[i])) == NULL)
      g_error (_("%s has no %s; install Debian's %s"), soname, names[i], package);
  g_debug ("loaded %s when first needed", soname);
}
