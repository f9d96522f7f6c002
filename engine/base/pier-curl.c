/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-curl.h"

#include "pier-error.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>

#define LIBCURL "libcurl.so.4"

static PierCurl api;
static char *load_error;

static gboolean
resolve (void *handle, const char *name, gpointer *slot)
{
  *slot = dlsym (handle, name);
  if (*slot == NULL)
    load_error = g_strdup_printf ("%s has no %s", LIBCURL, name);
  return *slot != NULL;
}

static gpointer
load_once (gpointer data)
{
  void *handle = dlopen (LIBCURL, RTLD_NOW | RTLD_LOCAL);
  gboolean ok;

  if (handle == NULL)
    {
      load_error = g_strdup_printf ("Pier's HTTP clients need libcurl (Debian's libcurl4): %s",
                                    dlerror ());
      return NULL;
    }
#define R(field, symbol) resolve (handle, symbol, (gpointer *) &api.field)
  ok = R (global_init, "curl_global_init") && R (easy_init, "curl_easy_init") &&
       R (easy_setopt, "curl_easy_setopt") && R (easy_getinfo, "curl_easy_getinfo") &&
       R (easy_pause, "curl_easy_pause") && R (easy_strerror, "curl_easy_strerror") &&
       R (easy_cleanup, "curl_easy_cleanup") && R (multi_init, "curl_multi_init") &&
       R (multi_add_handle, "curl_multi_add_handle") &&
       R (multi_remove_handle, "curl_multi_remove_handle") &&
       R (multi_perform, "curl_multi_perform") && R (multi_poll, "curl_multi_poll") &&
       R (multi_info_read, "curl_multi_info_read") && R (multi_strerror, "curl_multi_strerror") &&
       R (multi_cleanup, "curl_multi_cleanup") && R (share_init, "curl_share_init") &&
       R (share_setopt, "curl_share_setopt") && R (share_cleanup, "curl_share_cleanup") &&
       R (slist_append, "curl_slist_append") && R (slist_free_all, "curl_slist_free_all");
#undef R
  if (!ok)
    return NULL;
  api.global_init (CURL_GLOBAL_DEFAULT);
  return &api;
}

gboolean
pier_curl_load (GError **error)
{
  static GOnce once = G_ONCE_INIT;

  if (g_once (&once, load_once, NULL) == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED, "%s", load_error);
      return FALSE;
    }
  return TRUE;
}

const PierCurl *
pier_curl (void)
{
  return &api;
}

/* Descriptors of this process that a child would inherit. */
static GHashTable *
inheritable_fds (void)
{
  GHashTable *fds = g_hash_table_new (g_direct_hash, g_direct_equal);
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *de;

  while (dir != NULL && (de = readdir (dir)) != NULL)
    {
      int fd = atoi (de->d_name);
      int flags;
      if (de->d_name[0] == '.' || fd == dirfd (dir))
        continue;
      flags = fcntl (fd, F_GETFD);
      if (flags >= 0 && !(flags & FD_CLOEXEC))
        g_hash_table_add (fds, GINT_TO_POINTER (fd));
    }
  if (dir != NULL)
    closedir (dir);
  return fds;
}

CURLM *
pier_curl_multi_new (void)
{
  g_autoptr (GHashTable) before = inheritable_fds ();
  g_autoptr (GHashTable) after = NULL;
  CURLM *multi = curl_multi_init ();
  GHashTableIter iter;
  gpointer fd;

  /* libcurl 7.88 gives each multi handle a wakeup socketpair without close-on-exec; a
   * container's monitor started meanwhile must not inherit it. */
  after = inheritable_fds ();
  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &fd, NULL))
    if (!g_hash_table_contains (before, fd))
      fcntl (GPOINTER_TO_INT (fd), F_SETFD, FD_CLOEXEC);
  return multi;
}
