/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Dockerfile and its .dockerignore, read from the build context (or where -f names). */
#include "pier-build-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <fcntl.h>
#include <string.h>

#define MAX_DOCKERFILE_SIZE (4 * 1024 * 1024)
#define MAX_DOCKERIGNORE_SIZE (1024 * 1024)

/* @path (canonical) relative to the context, or NULL when it is outside. */
static char *
context_relative (PierBuild *build, const char *path)
{
  g_autofree char *context = g_canonicalize_filename (build->options.context_dir, NULL);
  const char *rest;

  if (!g_str_has_prefix (path, context))
    return NULL;
  rest = path + strlen (context);
  if (strcmp (context, "/") != 0 && *rest != '/')
    return NULL;
  return g_strdup (rest + (*rest == '/'));
}

/* A file of the context, which may be anything: resolved inside it, so that a symlink cannot
 * lead out, and a regular file of at most @max_len bytes (a FIFO never blocks). Absent is not
 * an error when @optional: *out_data stays NULL. */
static gboolean
read_context_file (PierBuild *build, const char *name, gsize max_len, gboolean optional,
                   char **out_data, gsize *out_len, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (pier_fs_read_regular_in_root (build->context_fd, name, 0, max_len, out_data, out_len,
                                    &local))
    return TRUE;
  if (optional && g_error_matches (local, PIER_ERROR, PIER_ERROR_NOT_FOUND))
    return TRUE;
  g_propagate_prefixed_error (error, g_steal_pointer (&local), _("in the build context: "));
  return FALSE;
}

/* The Dockerfile and its .dockerignore come from the context, read as any context file is. A
 * Dockerfile that -f names outside the context is the user's own choice (as with Docker), read
 * as named, with the FILE.dockerignore beside it. */
gboolean
pier_build_read_dockerfile (PierBuild *build, GError **error)
{
  const char *given = build->options.dockerfile;
  g_autofree char *in_context = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *data = NULL;
  g_autofree char *ignore_data = NULL;
  gsize len = 0, ignore_len = 0;

  if (given != NULL)
    {
      g_autofree char *path = g_canonicalize_filename (given, NULL);
      in_context = context_relative (build, path);
      if (in_context == NULL)
        outside = g_steal_pointer (&path);
      build->dockerfile_name = g_strdup (given);
    }
  else
    {
      for (const char *const *n = (const char *const[]){ "Dockerfile", "Containerfile", NULL }; *n; n++)
        {
          struct stat st;
          if (fstatat (build->context_fd, *n, &st, AT_SYMLINK_NOFOLLOW) == 0)
            {
              in_context = g_strdup (*n);
              build->dockerfile_name = g_strdup (*n);
              break;
            }
        }
      if (in_context == NULL)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                       _("%s has neither a Dockerfile nor a Containerfile; name one with -f"),
                       build->options.context_dir);
          return FALSE;
        }
    }
  if (in_context != NULL)
    {
      if (!read_context_file (build, in_context, MAX_DOCKERFILE_SIZE, FALSE, &data, &len, error))
        return FALSE;
    }
  else
    {
      pier_autofd int fd = open (outside, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return pier_set_errno (error, errno, _("reading %s"), build->dockerfile_name);
      if (!pier_fs_read_fd (fd, MAX_DOCKERFILE_SIZE, &data, &len, error))
        {
          g_prefix_error (error, "%s: ", build->dockerfile_name);
          return FALSE;
        }
    }
  build->df = pier_dockerfile_parse (data, len, build->dockerfile_name,
                                     PIER_DOCKERFILE_PARSE_DEFAULT, error);
  if (build->df == NULL)
    return FALSE;
  if (build->df->n_stages == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s: no FROM instruction"),
                   build->dockerfile_name);
      return FALSE;
    }

  /* FILE.dockerignore beside the Dockerfile wins over the context's .dockerignore. */
  if (in_context != NULL)
    {
      g_autofree char *beside = g_strconcat (in_context, ".dockerignore", NULL);
      if (!read_context_file (build, beside, MAX_DOCKERIGNORE_SIZE, TRUE, &ignore_data,
                              &ignore_len, error))
        return FALSE;
    }
  else
    {
      g_autofree char *beside = g_strconcat (outside, ".dockerignore", NULL);
      g_file_get_contents (beside, &ignore_data, &ignore_len, NULL);
    }
  if (ignore_data == NULL
      && !read_context_file (build, ".dockerignore", MAX_DOCKERIGNORE_SIZE, TRUE, &ignore_data,
                             &ignore_len, error))
    return FALSE;
  if (ignore_data != NULL)
    {
      build->ignore = pier_dockerignore_parse (ignore_data, ignore_len, error);
      if (build->ignore == NULL)
        return FALSE;
    }
  return TRUE;
}
