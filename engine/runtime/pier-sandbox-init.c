/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-sandbox-init-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-network.h"
#include "pier-sandbox-private.h"
#include "pier-sandbox-setup-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* As Docker masks them: kernel internals a container has no business reading. */
static const char *const masked_paths[] = {
  "/proc/acpi",       "/proc/asound",      "/proc/interrupts", "/proc/kcore",
  "/proc/keys",       "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
  "/proc/sched_debug", "/proc/scsi",       "/sys/firmware",    "/sys/devices/virtual/powercap",
};

static const char *const readonly_paths[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static const char *const host_devices[] = { "null", "zero", "full", "random", "urandom", "tty" };

static const char *const etc_files[] = { "hostname", "hosts", "resolv.conf" };

void
pier_sandbox_init_clear (PierSandboxInit *init)
{
  if (init->stdin_fd >= 0)
    close (init->stdin_fd);
  if (init->stdout_fd >= 0)
    close (init->stdout_fd);
  if (init->stderr_fd >= 0)
    close (init->stderr_fd);
  init->stdin_fd = init->stdout_fd = init->stderr_fd = -1;
  g_clear_pointer (&init->cgroup, pier_cgroup_free);
  g_clear_pointer (&init->warnings, g_ptr_array_unref);
}

void
pier_sandbox_init_teardown (const PierSandboxSpec *spec, PierSandboxInit *init)
{
  if (init->bridge_attached)
    pier_network_detach_bridge (spec->id, NULL);
  init->bridge_attached = FALSE;
  if (init->cgroup != NULL)
    pier_cgroup_destroy (init->cgroup, NULL);
}

/* ---- before clone ---- */

static int
path_depth (const char *path)
{
  int depth = 0;

  for (const char *p = path; *p; p++)
    if (*p != '/' && (p == path || p[-1] == '/'))
      depth++;
  return depth;
}

static int
compare_volume_depth (gconstpointer a, gconstpointer b)
{
  const PierSandboxVolume *va = *(const PierSandboxVolume *const *) a;
  const PierSandboxVolume *vb = *(const PierSandboxVolume *const *) b;

  return path_depth (va->destination) - path_depth (vb->destination);
}

static gboolean
gid_mapped (const PierSandboxSpec *spec, guint32 gid)
{
  g_autofree char *map = NULL;
  g_auto (GStrv) lines = NULL;

  if (!spec->rootless)
    return gid < spec->gid_count;
  /* Rootless: the container maps the rootless namespace one to one. */
  if (!g_file_get_contents ("/proc/self/gid_map", &map, NULL, NULL))
    return FALSE;
  lines = g_strsplit (map, "\n", -1);
  for (char **line = lines; *line; line++)
    {
      guint64 inside, outside, count;
      if (sscanf (*line, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                  &inside, &outside, &count)
              == 3
          && gid >= inside && gid - inside < count)
        return TRUE;
    }
  return FALSE;
}

static void
add_mount (PierSetupPlan *plan, const char *fstype, const char *target, guint64 attrs,
           const char *const *params)
{
  pier_setup_plan_add_mount (plan, fstype, target, PIER_SETUP_GUARD, attrs, params);
}

/* Host paths the child clones before it gives up the host's uid 0, each into a new slot. */
static int
add_open_tree (PierSetupPlan *plan, const char *path, int options, const char *what)
{
  PierSetupOp *op = pier_setup_plan_add (plan, PIER_SETUP_OPEN_TREE, path, NULL, options, "%s",
                                         what);

  op->slot = pier_setup_plan_add_slot (plan, -1);
  return op->slot;
}

static void
add_bind (PierSetupPlan *plan, int slot, const char *target, int options, const char *what)
{
  PierSetupOp *op = pier_setup_plan_add (plan, PIER_SETUP_BIND, target, NULL,
                                         options | PIER_SETUP_CREATE, "%s", what);
  op->slot = slot;
}

static PierSetupPlan *
build_plan (const PierSandboxSpec *spec, int stdio[3], gboolean *volume_is_dir,
            GPtrArray *cgroup_mounts, const PierSeccompProgram *seccomp)
{
  g_autoptr (PierSetupPlan) plan = pier_setup_plan_new ();
  g_autoptr (GPtrArray) volumes = g_ptr_array_new ();
  g_autofree char *rootfs = g_build_filename (spec->state_dir, PIER_SANDBOX_ROOTFS, NULL);
  const guint64 fs_attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  int dev_slots[G_N_ELEMENTS (host_devices)];
  int etc_slots[G_N_ELEMENTS (etc_files)];
  g_autofree int *volume_slots = g_new (int, spec->n_volumes + 1);
  g_autofree char *hostname = pier_sandbox_hostname (spec);
  int sys_slot = -1, overlay_slot, usr_slot = -1;
  PierSetupOp *op;

  /* The monitor ignores no signal (it was spawned with every disposition reset), it only
   * blocks some: unblocking is all there is to reset. */
  pier_setup_plan_add (plan, PIER_SETUP_RESET_SIGNALS, NULL, NULL, 0, _("resetting signals"));
  pier_setup_plan_add (plan, PIER_SETUP_MAKE_PRIVATE, NULL, NULL, 0,
                       _("making the mounts private"));

  /* Host paths, while the child still has the host's uid 0 to reach them by; meanwhile the
   * monitor prepares the cgroup, the network and the root. */
  for (gsize i = 0; i < G_N_ELEMENTS (host_devices); i++)
    {
      g_autofree char *path = g_strconcat ("/dev/", host_devices[i], NULL);
      g_autofree char *what = g_strdup_printf ("opening the host's %s", path);
      dev_slots[i] = add_open_tree (plan, path, 0, what);
    }
  for (gsize i = 0; i < spec->n_volumes; i++)
    {
      g_autofree char *what = g_strdup_printf ("opening the volume %s", spec->volumes[i].source);
      volume_slots[i] = add_open_tree (plan, spec->volumes[i].source, PIER_SETUP_RECURSIVE, what);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (etc_files); i++)
    {
      g_autofree char *path = g_build_filename (spec->state_dir, PIER_SANDBOX_ETC, etc_files[i],
                                                NULL);
      g_autofree char *what = g_strdup_printf ("opening %s", path);
      etc_slots[i] = -1;
      if (spec->network == PIER_NETWORK_NONE && strcmp (etc_files[i], "resolv.conf") == 0)
        continue;
      etc_slots[i] = add_open_tree (plan, path, 0, what);
    }
  if (spec->network == PIER_NETWORK_HOST)
    sys_slot = add_open_tree (plan, "/sys", PIER_SETUP_RECURSIVE, "opening the host's /sys");

  /* The root and /usr come from the monitor, made with the host's privileges, once the ids
   * are mapped and the child is in its cgroup. */
  overlay_slot = pier_setup_plan_add_slot (plan, -1);
  if (spec->bind_host_usr)
    usr_slot = pier_setup_plan_add_slot (plan, -1);
  op = pier_setup_plan_add (plan, PIER_SETUP_RECV_FDS, NULL, NULL, 0, _("waiting for the monitor"));
  op->slot = overlay_slot;
  op = pier_setup_plan_add (plan, PIER_SETUP_UNSHARE, NULL, NULL, 0,
                            _("creating the cgroup namespace"));
  op->value = CLONE_NEWCGROUP;

  op = pier_setup_plan_add (plan, PIER_SETUP_ATTACH_ROOT, rootfs, NULL, 0,
                            _("attaching the root filesystem at %s"), rootfs);
  op->slot = overlay_slot;
  pier_setup_plan_add (plan, PIER_SETUP_BECOME_ROOT, NULL, NULL, 0,
                       _("becoming root in the user namespace"));
  pier_setup_plan_add (plan, PIER_SETUP_PDEATHSIG, NULL, NULL, 0,
                       _("tying the init to its monitor"));

  add_mount (plan, "proc", "/proc", fs_attrs, (const char *const[]){ NULL });
  if (sys_slot >= 0)
    add_bind (plan, sys_slot, "/sys",
              PIER_SETUP_GUARD | PIER_SETUP_RECURSIVE | PIER_SETUP_READONLY,
              "mounting the host's /sys on /sys");
  else
    add_mount (plan, "sysfs", "/sys", fs_attrs | MOUNT_ATTR_RDONLY, (const char *const[]){ NULL });
  pier_sandbox_cgroup_add_mounts (plan, cgroup_mounts, fs_attrs);
  add_mount (plan, "tmpfs", "/dev", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
             (const char *const[]){ "mode", "755", "size", "65536k", NULL });
  for (gsize i = 0; i < G_N_ELEMENTS (host_devices); i++)
    {
      g_autofree char *path = g_strconcat ("/dev/", host_devices[i], NULL);
      g_autofree char *what = g_strdup_printf ("binding the host's %s", path);
      add_bind (plan, dev_slots[i], path, PIER_SETUP_FILE, what);
    }
  add_mount (plan, "devpts", "/dev/pts", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
             gid_mapped (spec, 5) ? (const char *const[]){ "newinstance", NULL, "ptmxmode", "0666",
                                                           "mode", "0620", "gid", "5", NULL }
                                  : (const char *const[]){ "newinstance", NULL, "ptmxmode", "0666",
                                                           "mode", "0620", NULL });
  add_mount (plan, "tmpfs", "/dev/shm", fs_attrs,
             (const char *const[]){ "mode", "1777", "size", "65536k", NULL });
  add_mount (plan, "mqueue", "/dev/mqueue", fs_attrs, (const char *const[]){ NULL });
  {
    static const char *const links[][2] = {
      { "/dev/ptmx", "pts/ptmx" },      { "/dev/fd", "/proc/self/fd" },
      { "/dev/stdin", "/proc/self/fd/0" }, { "/dev/stdout", "/proc/self/fd/1" },
      { "/dev/stderr", "/proc/self/fd/2" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS (links); i++)
      pier_setup_plan_add (plan, PIER_SETUP_SYMLINK, links[i][0], links[i][1], 0,
                           _("linking %s to %s"), links[i][0], links[i][1]);
  }
  if (spec->tty)
    pier_setup_plan_add (plan, PIER_SETUP_MKPATH, "/dev/console", NULL, PIER_SETUP_FILE,
                         _("creating /dev/console"));
  add_mount (plan, "tmpfs", "/tmp", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
             (const char *const[]){ "mode", "1777", NULL });
  add_mount (plan, "tmpfs", "/run", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
             (const char *const[]){ "mode", "755", NULL });
  if (usr_slot >= 0)
    add_bind (plan, usr_slot, "/usr", PIER_SETUP_GUARD, "mounting the host's /usr on /usr");

  /* Shallow destinations first, so that /data/sub lands inside /data. */
  for (gsize i = 0; i < spec->n_volumes; i++)
    g_ptr_array_add (volumes, &spec->volumes[i]);
  g_ptr_array_sort (volumes, compare_volume_depth);
  for (guint i = 0; i < volumes->len; i++)
    {
      const PierSandboxVolume *v = volumes->pdata[i];
      gsize index = v - spec->volumes;
      g_autofree char *what = g_strdup_printf ("mounting the volume %s on %s", v->source,
                                               v->destination);
      add_bind (plan, volume_slots[index], v->destination,
                PIER_SETUP_GUARD | PIER_SETUP_RECURSIVE
                    | (v->readonly ? PIER_SETUP_READONLY : 0)
                    | (volume_is_dir[index] ? 0 : PIER_SETUP_FILE),
                what);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (etc_files); i++)
    if (etc_slots[i] >= 0)
      {
        g_autofree char *target = g_strconcat ("/etc/", etc_files[i], NULL);
        g_autofree char *what = g_strdup_printf ("mounting %s", target);
        add_bind (plan, etc_slots[i], target, PIER_SETUP_GUARD | PIER_SETUP_FILE, what);
      }
  if (spec->cwd != NULL)
    pier_setup_plan_add (plan, PIER_SETUP_MKPATH, spec->cwd, NULL, 0,
                         _("creating the working directory %s"), spec->cwd);

  for (gsize i = 0; i < G_N_ELEMENTS (masked_paths); i++)
    pier_setup_plan_add (plan, PIER_SETUP_MASK, masked_paths[i], "/dev/null", 0, _("masking %s"),
                         masked_paths[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (readonly_paths); i++)
    pier_setup_plan_add (plan, PIER_SETUP_BIND_IN_ROOT, readonly_paths[i], readonly_paths[i],
                         PIER_SETUP_READONLY | PIER_SETUP_RECURSIVE | PIER_SETUP_OPTIONAL,
                         _("making %s read-only"), readonly_paths[i]);
  pier_setup_plan_add (plan, PIER_SETUP_SETHOSTNAME, NULL, hostname, 0,
                       _("setting the hostname"));
  pier_setup_plan_add (plan, PIER_SETUP_PIVOT_ROOT, NULL, NULL, 0,
                       _("switching to the container's root"));

  if (spec->tty)
    {
      op = pier_setup_plan_add (plan, PIER_SETUP_PTY, NULL, NULL, PIER_SETUP_CONSOLE,
                                _("opening the container's terminal"));
      op->value = ((guint64) spec->tty_rows << 16) | spec->tty_cols;
    }
  else
    {
      op = pier_setup_plan_add (plan, PIER_SETUP_STDIO, NULL, NULL, 0,
                                _("setting up standard input and output"));
      op->slot = pier_setup_plan_add_slot (plan, stdio[0]);
      pier_setup_plan_add_slot (plan, stdio[1]);
      pier_setup_plan_add_slot (plan, stdio[2]);
    }
  pier_setup_plan_add_process (plan,
                               &(PierExecSpec){ .argv = spec->argv,
                                                .env = spec->env,
                                                .cwd = spec->cwd,
                                                .uid = spec->uid,
                                                .gid = spec->gid,
                                                .groups = spec->groups,
                                                .n_groups = spec->n_groups },
                               spec->caps, seccomp, TRUE);
  return g_steal_pointer (&plan);
}

/* ---- after clone, in the monitor ---- */

/* The container's id map: uid_base.. for root, or, rootless, the rootless namespace's own ids
 * one to one. */
static char *
id_map (const PierSandboxSpec *spec, const char *which)
{
  g_autofree char *own = NULL;
  g_auto (GStrv) lines = NULL;
  GString *map;

  if (!spec->rootless)
    return g_strcmp0 (which, "uid_map") == 0
               ? g_strdup_printf ("0 %u %u\n", spec->uid_base, spec->uid_count)
               : g_strdup_printf ("0 %u %u\n", spec->gid_base, spec->gid_count);
  map = g_string_new (NULL);
  {
    g_autofree char *path = g_strconcat ("/proc/self/", which, NULL);
    if (g_file_get_contents (path, &own, NULL, NULL))
      lines = g_strsplit (own, "\n", -1);
  }
  for (char **line = lines; line && *line; line++)
    {
      guint64 inside, outside, count;
      if (sscanf (*line, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                  &inside, &outside, &count)
          == 3)
        g_string_append_printf (map,
                                "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                                "\n",
                                inside, inside, count);
    }
  return g_string_free (map, FALSE);
}

static gboolean
write_id_maps (const PierSandboxSpec *spec, pid_t pid, GError **error)
{
  static const char *const files[] = { "uid_map", "gid_map" };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *map = id_map (spec, files[i]);
      char path[64];
      pier_autofd int fd = -1;

      g_snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, files[i]);
      fd = open (path, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write (fd, map, strlen (map)) != (ssize_t) strlen (map))
        {
          g_strchomp (map);
          return pier_set_errno (error, errno, _("writing the %s “%s”"), files[i], map);
        }
    }
  return TRUE;
}

static int
open_ns (pid_t pid, const char *ns, GError **error)
{
  char path[64];
  int fd;

  g_snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) pid, ns);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    pier_set_errno (error, errno, _("opening %s"), path);
  return fd;
}

/* A detached copy of @path, read-only, and seen through the container's id mapping when
 * @userns_fd is given: files of host uid 0 then belong to the container's root. */
static int
clone_tree (const char *path, gboolean recursive, int userns_fd, GError **error)
{
  pier_autofd int tree = open_tree (AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC
                                                        | (recursive ? AT_RECURSIVE : 0));
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  if (tree < 0)
    {
      pier_set_errno (error, errno, _("opening %s"), path);
      return -1;
    }
  if (userns_fd >= 0)
    {
      attr.attr_set |= MOUNT_ATTR_IDMAP;
      attr.userns_fd = (guint64) userns_fd;
    }
  if (mount_setattr (tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                     sizeof attr)
      < 0)
    {
      pier_set_errno (error, errno, userns_fd >= 0 ? "mapping %s into the container's ids"
                                                   : "making %s read-only",
                      path);
      return -1;
    }
  return g_steal_fd (&tree);
}

/* Descriptors closed together (a GArray of int). */
typedef GArray HeldFds;

static void
close_fds (HeldFds *fds)
{
  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_array_unref (fds);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HeldFds, close_fds)

static gboolean
overlay_set_dir (int fs, HeldFds *held, const char *key, const char *path, GError **error)
{
  /* Descriptors, not option strings: paths with commas or colons need no escaping. */
  int fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return pier_set_errno (error, errno, _("opening %s"), path);
  g_array_append_val (held, fd);
  if (fsconfig (fs, FSCONFIG_SET_FD, key, NULL, fd) < 0)
    return pier_set_errno (error, errno, _("overlay %s %s"), key, path);
  return TRUE;
}

static void
prefix_with_fs_log (int fs, GError **error)
{
  char log[512];
  ssize_t n = read (fs, log, sizeof log - 1);

  if (n > 2 && error != NULL && *error != NULL)
    {
      log[n] = '\0';
      g_strchomp (log);
      g_prefix_error (error, "%s: ", log + 2);
    }
}

/* Appends a lower layer (below those already added), idmapped with @userns_fd when given. */
static gboolean
add_layer (int fs, HeldFds *held, const char *dir, int userns_fd, GError **error)
{
  int layer;

  if (userns_fd >= 0)
    layer = clone_tree (dir, FALSE, userns_fd, error);
  else
    {
      layer = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (layer < 0)
        pier_set_errno (error, errno, _("opening the layer %s"), dir);
    }
  if (layer < 0)
    return FALSE;
  g_array_append_val (held, layer);
  if (fsconfig (fs, FSCONFIG_SET_FD, "lowerdir+", NULL, layer) < 0)
    {
      pier_set_errno (error, errno, _("adding the layer %s to the overlay"), dir);
      prefix_with_fs_log (fs, error);
      return FALSE;
    }
  return TRUE;
}

/* The container's root: an overlay of the init layer and the image's layers (top first) under
 * its sandbox layer, made here with the host's privileges and handed to the child as a
 * descriptor. */
static int
make_overlay (const PierSandboxSpec *spec, int userns_fd, GError **error)
{
  g_autofree char *init_layer = g_build_filename (spec->state_dir, PIER_SANDBOX_INIT_LAYER,
                                                  NULL);
  pier_autofd int fs = fsopen ("overlay", FSOPEN_CLOEXEC);
  /* The layers' descriptors must stay open until the superblock is created. */
  g_autoptr (HeldFds) held = g_array_new (FALSE, FALSE, sizeof (int));
  int mnt;

  if (fs < 0)
    {
      pier_set_errno (error, errno, _("creating the overlay"));
      return -1;
    }
  fsconfig (fs, FSCONFIG_SET_STRING, "source", "pier", 0);
  if (!add_layer (fs, held, init_layer, userns_fd, error))
    return -1;
  for (char **dir = spec->lower_dirs; *dir; dir++)
    if (!add_layer (fs, held, *dir, userns_fd, error))
      return -1;
  if (!overlay_set_dir (fs, held, "upperdir", spec->upper_dir, error)
      || !overlay_set_dir (fs, held, "workdir", spec->work_dir, error))
    return -1;
  if (spec->rootless && fsconfig (fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
    {
      pier_set_errno (error, errno, _("overlay option userxattr"));
      return -1;
    }
  if (fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    {
      pier_set_errno (error, errno, _("creating the overlay of %s"), spec->upper_dir);
      prefix_with_fs_log (fs, error);
      return -1;
    }
  mnt = fsmount (fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
  if (mnt < 0)
    pier_set_errno (error, errno, _("mounting the overlay of %s"), spec->upper_dir);
  return mnt;
}

static gboolean
check_volumes (const PierSandboxSpec *spec, gboolean *is_dir, GError **error)
{
  for (gsize i = 0; i < spec->n_volumes; i++)
    {
      struct stat st;
      if (stat (spec->volumes[i].source, &st) < 0)
        return pier_set_errno (error, errno, _("volume source %s"), spec->volumes[i].source);
      is_dir[i] = S_ISDIR (st.st_mode);
    }
  return TRUE;
}

/* The sandbox layer's root is the container's "/": it belongs to the container's root. */
static gboolean
own_upper_dir (const PierSandboxSpec *spec, GError **error)
{
  struct stat st;

  if (spec->rootless)
    return TRUE;
  if (stat (spec->upper_dir, &st) < 0)
    return pier_set_errno (error, errno, _("sandbox layer %s"), spec->upper_dir);
  if ((st.st_uid != spec->uid_base || st.st_gid != spec->gid_base)
      && chown (spec->upper_dir, spec->uid_base, spec->gid_base) < 0)
    return pier_set_errno (error, errno, _("giving %s to the container's root"), spec->upper_dir);
  return TRUE;
}

/* Everything between clone() and the child's exec: ids, cgroup membership, network, root. */
static gboolean
configure_child (const PierSandboxSpec *spec, PierSandboxInit *init, int state_fd, int sock,
                 GError **error)
{
  pier_autofd int userns_fd = -1;
  pier_autofd int overlay = -1;
  pier_autofd int usr = -1;
  g_autofree char *address = NULL;
  PierSyncMsg go = { .type = PIER_SYNC_GO };
  int fds[2];

  init->start_time = pier_proc_start_time (init->pid);
  if (!write_id_maps (spec, init->pid, error))
    return FALSE;
  if (init->cgroup != NULL && !pier_cgroup_add_pid (init->cgroup, init->pid, error))
    return FALSE;
  if (spec->network != PIER_NETWORK_HOST)
    {
      pier_autofd int netns_fd = open_ns (init->pid, "net", error);
      if (netns_fd < 0)
        return FALSE;
      if (spec->network == PIER_NETWORK_BRIDGE)
        {
          g_autoptr (PierNetworkLease) lease = pier_network_attach_bridge (
                                                                           netns_fd, spec->id,
                                                                           error);
          if (lease == NULL)
            return FALSE;
          init->bridge_attached = TRUE;
          address = g_strdup (lease->address);
        }
      else if (!pier_network_loopback_up (netns_fd, error))
        return FALSE;
    }
  if (!pier_sandbox_etc_write_hosts (spec, state_fd, address, error))
    return FALSE;

  if (!spec->rootless)
    {
      userns_fd = open_ns (init->pid, "user", error);
      if (userns_fd < 0)
        return FALSE;
    }
  overlay = make_overlay (spec, userns_fd, error);
  if (overlay < 0)
    return FALSE;
  fds[0] = overlay;
  if (spec->bind_host_usr)
    {
      usr = clone_tree ("/usr", TRUE, userns_fd, error);
      if (usr < 0)
        return FALSE;
      fds[1] = usr;
    }
  if (pier_sync_send (sock, &go, fds, spec->bind_host_usr ? 2 : 1) < 0)
    return pier_set_errno (error, errno, _("starting the container's set-up"));
  return TRUE;
}

/* Replaces @error by the child's own, if it already sent one. */
static void
take_child_error (int sock, GError **error)
{
  PierSyncMsg msg;
  int fd = -1, n_fds = 0;

  if (recv (sock, &msg, 0, MSG_PEEK | MSG_DONTWAIT) < 0)
    return;
  if (pier_sync_recv (sock, &msg, &fd, 1, &n_fds) > 0 && msg.type == PIER_SYNC_ERROR)
    {
      g_clear_error (error);
      pier_sync_set_error (&msg, error);
    }
  if (n_fds > 0)
    close (fd);
}

/* Until the child has exec'd (its end of the socket closes) or says what failed. */
static gboolean
wait_for_exec (PierSandboxInit *init, int sock, GError **error)
{
  for (;;)
    {
      PierSyncMsg msg;
      int fd = -1, n_fds = 0;
      ssize_t n = pier_sync_recv (sock, &msg, &fd, 1, &n_fds);

      if (n == 0)
        return TRUE;
      if (n < 0)
        return pier_set_errno (error, errno, _("waiting for the container's set-up"));
      if (msg.type == PIER_SYNC_ERROR)
        {
          if (n_fds > 0)
            close (fd);
          pier_sync_set_error (&msg, error);
          return FALSE;
        }
      if (msg.type == PIER_SYNC_PTY && n_fds == 1)
        init->stdout_fd = fd;
      else if (n_fds > 0)
        close (fd);
    }
}

static gboolean
make_pipe (int fds[2], GError **error)
{
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return pier_set_errno (error, errno, _("creating a pipe"));
  return TRUE;
}

gboolean
pier_sandbox_init_start (const PierSandboxSpec *spec, PierSandboxInit *init, GError **error)
{
  g_autoptr (PierSetupPlan) plan = NULL;
  g_autoptr (PierSeccompProgram) seccomp = NULL;
  g_autoptr (GPtrArray) cgroup_mounts = NULL;
  g_autofree gboolean *volume_is_dir = g_new0 (gboolean, spec->n_volumes + 1);
  pier_autofd int state_fd = -1;
  pier_autofd int child_in = -1;
  pier_autofd int child_out = -1;
  pier_autofd int child_err = -1;
  int sock[2] = { -1, -1 };
  int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
  gboolean ok;

  *init = (PierSandboxInit){ .pid = -1, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
                             .warnings = g_ptr_array_new_with_free_func (g_free) };
  if (spec->rootless && spec->network == PIER_NETWORK_BRIDGE)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("bridge networking needs root: a rootless container can use --network none "
                     "or host"));
      return FALSE;
    }
  if (!check_volumes (spec, volume_is_dir, error) || !own_upper_dir (spec, error))
    return FALSE;
  state_fd = pier_fs_open_dir_at (AT_FDCWD, spec->state_dir, error);
  if (state_fd < 0 || !pier_sandbox_etc_prepare (spec, state_fd, error))
    return FALSE;

  if (!spec->tty)
    {
      int in[2] = { -1, -1 }, out[2], err[2];
      if (spec->stdin_open)
        {
          if (!make_pipe (in, error))
            return FALSE;
          child_in = in[0];
          init->stdin_fd = in[1];
        }
      else if ((child_in = open ("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
        return pier_set_errno (error, errno, _("opening /dev/null"));
      if (!make_pipe (out, error))
        return FALSE;
      child_out = out[1];
      init->stdout_fd = out[0];
      if (!make_pipe (err, error))
        return FALSE;
      child_err = err[1];
      init->stderr_fd = err[0];
    }
  if (!pier_sandbox_spec_compile_seccomp (spec, &seccomp, error))
    return FALSE;
  if (!pier_sandbox_cgroup_create (spec, init, &cgroup_mounts, error))
    {
      pier_sandbox_init_teardown (spec, init);
      return FALSE;
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
    {
      pier_set_errno (error, errno, _("creating the sync socket"));
      pier_sandbox_init_teardown (spec, init);
      return FALSE;
    }
  plan = build_plan (spec, (int[]){ child_in, child_out, child_err }, volume_is_dir,
                     cgroup_mounts, seccomp);
  plan->sync_fd = sock[1];
  if (spec->network != PIER_NETWORK_HOST)
    flags |= CLONE_NEWNET;

  init->pid = (pid_t) syscall (SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  if (init->pid == 0)
    {
      close (sock[0]);
      pier_setup_plan_run (plan);
      _exit (127);
    }
  close (sock[1]);
  if (init->pid < 0)
    {
      pier_set_errno (error, errno, _("creating the container's namespaces"));
      close (sock[0]);
      pier_sandbox_init_teardown (spec, init);
      return FALSE;
    }

  {
    g_autoptr (GError) local_error = NULL;

    ok = configure_child (spec, init, state_fd, sock[0], &local_error);
    /* The child works in parallel until the go: a failure of its own (a volume gone since
     * checked) is the one to report, not the monitor's trouble with a dying child. */
    if (!ok)
      take_child_error (sock[0], &local_error);
    ok = ok && wait_for_exec (init, sock[0], &local_error);
    if (!ok)
      g_propagate_error (error, g_steal_pointer (&local_error));
  }
  close (sock[0]);
  if (!ok)
    {
      kill (init->pid, SIGKILL);
      waitpid (init->pid, NULL, 0);
      init->pid = -1;
      pier_sandbox_init_teardown (spec, init);
      unlinkat (state_fd, PIER_SANDBOX_ROOTFS, AT_REMOVEDIR);
    }
  return ok;
}
