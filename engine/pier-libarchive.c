#include "pier-libarchive.h"

#include <dlfcn.h>
#include <glib.h>

#define LIBARCHIVE "libarchive.so.13"

static PierLibarchive api;

static gpointer
load_once (gpointer data)
{
  void *handle = dlopen (LIBARCHIVE, RTLD_NOW | RTLD_LOCAL);

  if (handle == NULL)
    g_error ("Pier needs libarchive (Debian's libarchive13): %s", dlerror ());
#define PIER_LIBARCHIVE_RESOLVE(name)                                                          \
  if ((api.fn_##name = dlsym (handle, #name)) == NULL)                                          \
    g_error ("%s has no %s", LIBARCHIVE, #name);
  PIER_LIBARCHIVE_FUNCTIONS (PIER_LIBARCHIVE_RESOLVE)
#undef PIER_LIBARCHIVE_RESOLVE
  return &api;
}

const PierLibarchive *
pier_libarchive (void)
{
  static GOnce once = G_ONCE_INIT;
  return g_once (&once, load_once, NULL);
}
