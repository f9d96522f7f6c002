/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Listing and finding containers, broken ones included, and removing on sight what a dead
 * `run` left behind. */
#include "pier-container-private.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-reference.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

/* Whether @c is what a `run` that died left: the run's hold is there but nobody holds it, and
 * the container never started, or was to be removed and is no longer running. */
static gboolean
left_by_dead_run (PierStore *store, const PierContainer *c)
{
  g_autofree char *hold = NULL;
  pier_autofd int fd = -1;

  if (c->status == PIER_CONTAINER_RUNNING || (c->status == PIER_CONTAINER_EXITED && !c->auto_remove))
    return FALSE;
  hold = g_build_filename (pier_store_get_root (store), "containers", c->id,
                           PIER_CONTAINER_RUN_HOLD, NULL);
  fd = open (hold, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  /* Shared: two processes looking at once do not take each other for the run. */
  return fd >= 0 && flock (fd, LOCK_SH | LOCK_NB) == 0;
}

/* The container @id with its state; NULL (PIER_ERROR_NOT_FOUND) for none, and for one a dead
 * run left, which goes now. */
static PierContainer *
load_container (PierStore *store, const char *id, GError **error)
{
  g_autoptr (PierContainer) c = pier_container_read_record (store, id, error);

  if (c == NULL)
    return NULL;
  pier_container_update_state (store, c);
  if (left_by_dead_run (store, c) && pier_container_remove (store, c, FALSE, NULL))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                   _("container %s was removed: the run that made it ended before it did"), id);
      return NULL;
    }
  return g_steal_pointer (&c);
}

static int
compare_created_desc (gconstpointer a, gconstpointer b)
{
  const PierContainer *ca = *(PierContainer **) a, *cb = *(PierContainer **) b;
  return ca->created < cb->created ? 1 : ca->created > cb->created ? -1 : strcmp (ca->id, cb->id);
}

GPtrArray *
pier_store_list_containers (PierStore *store, GError **error)
{
  g_autofree char *dir = g_build_filename (pier_store_get_root (store), "containers", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_container_free);
  const char *name;

  if (d == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      PierContainer *c;

      if (strlen (name) != PIER_DIGEST_HEX_LEN)
        continue;
      /* A record half-made by a crash or being removed right now is not a container. */
      c = load_container (store, name, NULL);
      if (c != NULL)
        g_ptr_array_add (out, c);
    }
  g_ptr_array_sort (out, compare_created_desc);
  return g_steal_pointer (&out);
}

PierContainer *
pier_store_find_any_container (PierStore *store, const char *name_or_id, GError **error)
{
  g_autofree char *dir = g_build_filename (pier_store_get_root (store), "containers", NULL);
  g_autofree char *by_name = pier_container_claim_holder (store, ".names", name_or_id);
  g_autofree char *found = NULL;
  g_autoptr (GDir) d = NULL;
  const char *entry;

  if (by_name != NULL)
    return load_container (store, by_name, error);
  if (*name_or_id != '\0' && pier_reference_looks_like_id (name_or_id) &&
      (d = g_dir_open (dir, 0, NULL)) != NULL)
    while ((entry = g_dir_read_name (d)) != NULL)
      {
        if (strlen (entry) != PIER_DIGEST_HEX_LEN || !g_str_has_prefix (entry, name_or_id))
          continue;
        if (found != NULL)
          {
            g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                         _("“%s” is ambiguous: several containers have ids starting with it"),
                         name_or_id);
            return NULL;
          }
        found = g_strdup (entry);
      }
  if (found != NULL)
    {
      g_autoptr (GError) local_error = NULL;
      PierContainer *c = load_container (store, found, &local_error);
      /* An id being removed right now is no container. */
      if (c != NULL)
        return c;
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("no such container: %s"), name_or_id);
  return NULL;
}

PierContainer *
pier_store_find_container (PierStore *store, const char *name_or_id, GError **error)
{
  g_autoptr (PierContainer) c = pier_store_find_any_container (store, name_or_id, error);

  if (c != NULL && c->broken != NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("container %s is broken: %s; it can only be removed (rm -f %s)"), name_or_id,
                   c->broken, name_or_id);
      return NULL;
    }
  return g_steal_pointer (&c);
}
