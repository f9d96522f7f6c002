/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Files made inside a running container, from a child in its namespaces. */
#include "pier-graphical-files-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void
pier_graphical_file_clear (PierGraphicalFile *file)
{
  g_free (file->parent);
  g_free (file->name);
  g_clear_pointer (&file->data, g_bytes_unref);
}

void
pier_graphical_files_add (GArray *files, const char *path, gboolean directory, mode_t mode,
                          guint32 uid, guint32 gid, GBytes *data)
{
  PierGraphicalFile file = {
    .parent = g_path_get_dirname (path),
    .name = g_path_get_basename (path),
    .directory = directory,
    .mode = mode,
    .uid = uid,
    .gid = gid,
    .data = data,
  };
  if (data != NULL)
    file.data_ptr = g_bytes_get_data (data, &file.data_len);
  g_array_append_val (files, file);
}

/* What child_write_files reports, as no errno says it, for a file it was to write where the
 * container keeps something else: a FIFO (whose open would wait for a reader), a symlink, a
 * device. */
#define NOT_A_REGULAR_FILE (-1)

/* In a forked child, so only system calls: become root of the container's user namespace, in
 * its mount namespace (files made there belong to the container's ids, which host root could
 * not create on the container's tmpfs), and make each file under the container's root
 * (resolved in it: a symlink in the image cannot lead out). Returns 0, an errno or
 * NOT_A_REGULAR_FILE, with *step the file that failed (-1: entering the namespaces). */
static int
child_write_files (int pidfd, const PierGraphicalFile *files, guint n_files, int *step)
{
  int root;

  *step = -1;
  /* Joining one's own user namespace is EINVAL: the container of a rootful engine (Docker,
   * Podman as root) shares ours, and its mount namespace alone is enough. */
  if (setns (pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0
      && (errno != EINVAL || setns (pidfd, CLONE_NEWNS) < 0))
    return errno;
  if (syscall (SYS_setresgid, 0, 0, 0) < 0 || syscall (SYS_setresuid, 0, 0, 0) < 0)
    return errno;
  root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return errno;
  for (guint i = 0; i < n_files; i++)
    {
      const PierGraphicalFile *file = &files[i];
      struct stat st;
      int parent, fd;

      *step = (int) i;
      parent = pier_fs_open_in_root (root, file->parent, O_PATH | O_DIRECTORY, 0);
      if (parent < 0)
        return errno;
      if (file->directory)
        {
          if (mkdirat (parent, file->name, file->mode) < 0 && errno != EEXIST)
            return errno;
          fd = openat (parent, file->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
      else
        fd = openat (parent, file->name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
                     file->mode);
      close (parent);
      if (fd < 0)
        /* ENXIO: a FIFO without a reader (or a socket); ELOOP: a symlink. */
        return !file->directory && (errno == ENXIO || errno == ELOOP) ? NOT_A_REGULAR_FILE : errno;
      if (!file->directory)
        {
          if (fstat (fd, &st) < 0)
            return errno;
          if (!S_ISREG (st.st_mode))
            return NOT_A_REGULAR_FILE;
          if (ftruncate (fd, 0) < 0)
            return errno;
        }
      if (file->data_ptr != NULL)
        {
          const char *data = file->data_ptr;
          gsize len = file->data_len;
          while (len > 0)
            {
              ssize_t n = write (fd, data, len);
              if (n < 0 && errno == EINTR)
                continue;
              if (n < 0)
                return errno;
              data += n;
              len -= n;
            }
        }
      if (fchown (fd, file->uid, file->gid) < 0 || fchmod (fd, file->mode) < 0)
        return errno;
      close (fd);
    }
  return 0;
}

gboolean
pier_graphical_files_write (int pidfd, GArray *files, GError **error)
{
  const PierGraphicalFile *list = (const PierGraphicalFile *) (void *) files->data;
  int report[2];
  int result[2] = { 0, 0 };
  pid_t pid;
  ssize_t n;

  if (pipe2 (report, O_CLOEXEC) < 0)
    return pier_set_errno (error, errno, _("creating a pipe"));
  pid = fork ();
  if (pid == 0)
    {
      int step;
      int errsv = child_write_files (pidfd, list, files->len, &step);
      int message[2] = { step, errsv };

      if (errsv != 0 && write (report[1], message, sizeof message) < 0)
        _exit (2);
      _exit (errsv != 0);
    }
  close (report[1]);
  if (pid < 0)
    {
      close (report[0]);
      return pier_set_errno (error, errno, _("forking"));
    }
  while ((n = read (report[0], result, sizeof result)) < 0 && errno == EINTR)
    ;
  close (report[0]);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  if (n != sizeof result)
    return TRUE;
  if (result[0] < 0)
    return pier_set_errno (error, result[1], _("entering the container as its root"));
  {
    g_autofree char *path = g_build_filename (list[result[0]].parent, list[result[0]].name, NULL);
    if (result[1] == NOT_A_REGULAR_FILE)
      {
        g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                     _("writing %s in the container: something other than a regular file is "
                       "there (remove it and try again)"), path);
        return FALSE;
      }
    return pier_set_errno (error, result[1], _("writing %s in the container"), path);
  }
}
