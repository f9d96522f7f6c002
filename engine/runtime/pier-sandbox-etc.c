/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a container gets besides its image, prepared in its state directory: the files at
 * /etc/hostname, /etc/hosts and /etc/resolv.conf, bind-mounted over the image's, and the init
 * layer (Docker's name for it): the mount points the set-up needs, stacked above the image's
 * layers, so that an image without /proc or /etc/hosts does not get them created in its
 * sandbox layer, and `diff`, `commit` and builds see only what the command itself changed. */
#include "pier-sandbox-init-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-sandbox-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The spec's hostname, else the id's first 12 digits, as Docker does. */
char *
pier_sandbox_hostname (const PierSandboxSpec *spec)
{
  if (spec->hostname != NULL && *spec->hostname != '\0')
    return g_strdup (spec->hostname);
  return g_strndup (spec->id, 12);
}

static gboolean
write_etc_file (const PierSandboxSpec *spec, int etc_fd, const char *name, const char *data,
                GError **error)
{
  /* Rewritten in place: nothing reads them before the container is started on them. */
  pier_autofd int fd = openat (etc_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd < 0)
    return pier_set_errno (error, errno, _("creating %s"), name);
  if (!pier_fs_write_all (fd, data, strlen (data), error))
    {
      g_prefix_error (error, "%s: ", name);
      return FALSE;
    }
  /* Root in the container may edit them, as on any system. */
  if (!spec->rootless && fchown (fd, spec->uid_base, spec->gid_base) < 0)
    return pier_set_errno (error, errno, _("giving %s to the container's root"), name);
  return TRUE;
}

/* The host's resolver configuration; for a bridge, a loopback stub resolver (systemd-resolved)
 * is unreachable from the container, so the upstream list behind it is used instead. */
static char *
host_resolv_conf (PierNetworkMode mode)
{
  char *data = NULL;

  if (!g_file_get_contents ("/etc/resolv.conf", &data, NULL, NULL))
    return g_strdup ("");
  if (mode == PIER_NETWORK_BRIDGE && strstr (data, "nameserver 127.") != NULL)
    {
      char *upstream = NULL;
      if (g_file_get_contents ("/run/systemd/resolve/resolv.conf", &upstream, NULL, NULL))
        {
          g_free (data);
          return upstream;
        }
    }
  return data;
}

static gboolean
make_init_layer (const PierSandboxSpec *spec, int state_fd, GError **error)
{
  static const char *const dirs[] = { "", "/proc", "/sys", "/dev", "/tmp", "/run", "/etc",
                                      "/usr" /* last: only for bind_host_usr */ };
  static const char *const files[] = { "/etc/hostname", "/etc/hosts", "/etc/resolv.conf" };

  for (gsize i = 0; i < G_N_ELEMENTS (dirs) - (spec->bind_host_usr ? 0 : 1); i++)
    {
      g_autofree char *path = g_strconcat (PIER_SANDBOX_INIT_LAYER, dirs[i], NULL);
      if (mkdirat (state_fd, path, 0755) < 0 && errno != EEXIST)
        return pier_set_errno (error, errno, _("creating %s/%s"), spec->state_dir, path);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_strconcat (PIER_SANDBOX_INIT_LAYER, files[i], NULL);
      int fd = openat (state_fd, path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0)
        return pier_set_errno (error, errno, _("creating %s/%s"), spec->state_dir, path);
      close (fd);
    }
  return TRUE;
}

gboolean
pier_sandbox_etc_prepare (const PierSandboxSpec *spec, int state_fd, GError **error)
{
  pier_autofd int etc_fd = -1;
  g_autofree char *name = pier_sandbox_hostname (spec);
  g_autofree char *hostname = g_strconcat (name, "\n", NULL);

  if ((mkdirat (state_fd, PIER_SANDBOX_ROOTFS, 0700) < 0 && errno != EEXIST)
      || (mkdirat (state_fd, PIER_SANDBOX_ETC, 0755) < 0 && errno != EEXIST))
    return pier_set_errno (error, errno, _("preparing %s"), spec->state_dir);
  if (!make_init_layer (spec, state_fd, error))
    return FALSE;
  etc_fd = pier_fs_open_dir_at (state_fd, PIER_SANDBOX_ETC, error);
  if (etc_fd < 0 || !write_etc_file (spec, etc_fd, "hostname", hostname, error))
    return FALSE;
  /* hosts waits for the address, but the child opens it before: it is filled in place. */
  if (!write_etc_file (spec, etc_fd, "hosts", "", error))
    return FALSE;
  if (spec->network != PIER_NETWORK_NONE)
    {
      g_autofree char *resolv = host_resolv_conf (spec->network);
      if (!write_etc_file (spec, etc_fd, "resolv.conf", resolv, error))
        return FALSE;
    }
  else
    unlinkat (etc_fd, "resolv.conf", 0);
  return TRUE;
}

gboolean
pier_sandbox_etc_write_hosts (const PierSandboxSpec *spec, int state_fd, const char *address,
                              GError **error)
{
  pier_autofd int etc_fd = pier_fs_open_dir_at (state_fd, PIER_SANDBOX_ETC, error);
  g_autofree char *hostname = pier_sandbox_hostname (spec);
  g_autofree char *data = NULL;

  if (etc_fd < 0)
    return FALSE;
  if (spec->network == PIER_NETWORK_HOST)
    {
      if (!g_file_get_contents ("/etc/hosts", &data, NULL, NULL))
        data = g_strdup ("127.0.0.1\tlocalhost\n");
    }
  else
    data = g_strdup_printf ("127.0.0.1\tlocalhost\n"
                            "::1\tlocalhost ip6-localhost ip6-loopback\n"
                            "%s\t%s\n",
                            address ? address : "127.0.1.1", hostname);
  return write_etc_file (spec, etc_fd, "hosts", data, error);
}
