/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RUN: the command in a real container of the runtime (its own namespaces, the stage's layers
 * read-only below a fresh sandbox layer), through the sandbox API directly: a build container
 * has no record and sends no events. Its output is read from the monitor's attach socket and
 * handed to the progress callback. The sandbox layer, owners mapped back from the container's
 * id range, becomes the step's layer. */
#include "pier-build-private.h"

#include "pier-attach.h"
#include "pier-builtin-images.h"
#include "pier-container-user.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-sandbox.h"
#include "pier-uid-ranges.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define HEREDOC_PATH "/dev/pier-heredoc"
/* How long a monitor may take to tear down after the exit is recorded. */
#define MONITOR_GONE_TIMEOUT_MS 10000

/* The build args RUN sees and the classic builder lists: declared in the stage, set, and not
 * shadowed by ENV. Sorted. */
static GPtrArray *
run_build_args (PierBuildStage *stage)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < stage->arg_names->len; i++)
    {
      const char *name = stage->arg_names->pdata[i];
      const char *value = NULL;

      if (g_hash_table_contains (seen, name))
        continue;
      g_hash_table_add (seen, (gpointer) name);
      if (g_environ_getenv (stage->config->config.env, name) != NULL)
        continue;
      if (pier_dockerfile_scope_lookup (name, &value, stage->scope) && value != NULL)
        g_ptr_array_add (args, g_strdup_printf ("%s=%s", name, value));
    }
  g_ptr_array_sort (args, pier_compare_strings);
  return args;
}

/* A heredoc alone ("RUN <<EOF") is the script itself. */
static gboolean
is_bare_heredoc (const PierInstruction *insn)
{
  g_autofree char *word = NULL;
  const char *a;

  if (insn->json_form || insn->n_heredocs != 1 || insn->n_args != 1
      || !g_str_has_prefix (insn->args[0], "<<"))
    return FALSE;
  a = insn->args[0] + 2;
  if (*a == '-')
    a++;
  word = g_strstrip (g_strdup (a));
  if ((word[0] == '"' || word[0] == '\'') && strlen (word) >= 2 && word[strlen (word) - 1] == word[0])
    {
      word[strlen (word) - 1] = '\0';
      return strcmp (word + 1, insn->heredocs[0].name) == 0;
    }
  return strcmp (word, insn->heredocs[0].name) == 0;
}

/* What the shell runs: the command, with its heredocs' bodies after it as a shell reads
 * them (the body of a bare heredoc alone). */
static char *
run_script (const PierInstruction *insn)
{
  GString *script;

  if (is_bare_heredoc (insn))
    return g_strdup (insn->heredocs[0].content);
  script = g_string_new (insn->n_args > 0 ? insn->args[0] : "");
  for (guint i = 0; i < insn->n_heredocs; i++)
    g_string_append_printf (script, "\n%s%s", insn->heredocs[i].content, insn->heredocs[i].name);
  return g_string_free (script, FALSE);
}

static GStrv
stage_shell (PierBuildStage *stage)
{
  GStrv shell = stage->config->config.shell;

  if (shell != NULL && shell[0] != NULL)
    return g_strdupv (shell);
  return g_strdupv ((char *[]){ "/bin/sh", "-c", NULL });
}

char *
pier_build_run_created_by (PierBuildStage *stage, const PierInstruction *insn)
{
  g_autoptr (GPtrArray) args = run_build_args (stage);
  GString *out = g_string_new (NULL);

  if (args->len > 0)
    {
      g_string_append_printf (out, "|%u", args->len);
      for (guint i = 0; i < args->len; i++)
        g_string_append_printf (out, " %s", (char *) args->pdata[i]);
      g_string_append_c (out, ' ');
    }
  if (insn->json_form)
    {
      g_autofree char *joined = g_strjoinv (" ", insn->args);
      g_string_append (out, joined);
    }
  else
    {
      g_auto (GStrv) shell = stage_shell (stage);
      g_autofree char *joined = g_strjoinv (" ", shell);
      g_autofree char *script = run_script (insn);
      g_string_append_printf (out, "%s %s", joined, script);
    }
  return g_string_free (out, FALSE);
}

/* ---- the container ---- */

static gboolean
network_for (PierBuild *build, const PierInstruction *insn, PierNetworkMode *mode,
             GError **error)
{
  const char *flag = pier_instruction_get_flag (insn, "network");

  *mode = build->network;
  if (flag == NULL || strcmp (flag, "default") == 0)
    return TRUE;
  if (strcmp (flag, "none") == 0 || strcmp (flag, "host") == 0)
    return pier_network_mode_from_string (flag, mode, error);
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("RUN --network=%s: choose default, none or host"), flag);
  return FALSE;
}

/* Build containers get an id range like any container, held by the builder: it goes back when
 * the build ends, or when the builder dies however it dies. */
static gboolean
ensure_id_range (PierBuild *build, GError **error)
{
  if (build->rootless || build->range != NULL)
    return TRUE;
  build->range = pier_uid_ranges_claim_held (-1, NULL, error);
  if (build->range == NULL)
    return FALSE;
  build->uid_base = build->range->base;
  build->uid_count = build->range->count;
  return TRUE;
}

static char *
random_id (void)
{
  guint8 random[32];
  GString *hex = g_string_new (NULL);

  g_assert (getentropy (random, sizeof random) == 0);
  for (gsize i = 0; i < sizeof random; i++)
    g_string_append_printf (hex, "%02x", random[i]);
  return g_string_free (hex, FALSE);
}

/* The sandbox mounts fresh tmpfs on /tmp and /run; in a build, what RUN leaves there belongs to
 * the layer, as with Docker. So the sandbox layer's own tmp and run (made here, the image's
 * directories' modes, the container root's) are bound over them. */
static gboolean
prepare_scratch_dirs (PierBuild *build, PierMergedTree *tree, int upper_fd, const char *upper,
                      PierSandboxSpec *spec, GError **error)
{
  for (const char *const *d = (const char *const[]){ "tmp", "run", NULL }; *d; d++)
    {
      PierMergedEntry entry;
      g_autofree char *source = NULL;
      g_autofree char *dest = NULL;

      if (!pier_merged_tree_lookup (tree, *d, FALSE, &entry, NULL))
        continue;
      if (S_ISDIR (entry.st.st_mode))
        {
          guint32 shift = build->rootless ? 0 : build->uid_base;
          if (mkdirat (upper_fd, *d, 0700) < 0
              || fchownat (upper_fd, *d, entry.st.st_uid + shift, entry.st.st_gid + shift, 0) < 0
              || fchmodat (upper_fd, *d, entry.st.st_mode & 07777, 0) < 0)
            {
              pier_merged_entry_clear (&entry);
              return pier_set_errno (error, errno, _("preparing /%s for the build container"), *d);
            }
          source = g_build_filename (upper, *d, NULL);
          dest = g_strconcat ("/", *d, NULL);
          pier_sandbox_spec_add_volume (spec, source, dest, FALSE);
        }
      pier_merged_entry_clear (&entry);
    }
  return TRUE;
}

/* What the runtime itself put in the sandbox layer, not the command: the empty files it binds
 * /etc/hosts, /etc/hostname and /etc/resolv.conf on, mount points it had to make, and the
 * scratch directories when nothing was left in them. */
static void
remove_runtime_traces (int upper_fd)
{
  for (const char *const *f = (const char *const[]){ "etc/hosts", "etc/hostname",
                                                     "etc/resolv.conf", NULL };
       *f; f++)
    {
      struct stat st;
      if (fstatat (upper_fd, *f, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode))
        unlinkat (upper_fd, *f, 0);
    }
  for (const char *const *d = (const char *const[]){ "etc", "tmp", "run", "proc", "sys", "dev", NULL }; *d; d++)
    {
      char value[2];
      pier_autofd int fd = openat (upper_fd, *d, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      gboolean opaque = fd >= 0 && (fgetxattr (fd, "trusted.overlay.opaque", value, sizeof value) == 1
                                    || fgetxattr (fd, "user.overlay.opaque", value, sizeof value) == 1);

      /* Only when empty: removing a directory that holds something fails, as it should. */
      if (fd >= 0 && !opaque)
        unlinkat (upper_fd, *d, AT_REMOVEDIR);
    }
}

/* A bare heredoc starting with "#!" runs as a script file, through its interpreter (the file
 * sits on /dev, which is noexec). */
static gboolean
heredoc_script (PierBuild *build, const PierInstruction *insn, const char *run_dir,
                PierSandboxSpec *spec, GStrv *argv, GError **error)
{
  const char *content = insn->heredocs[0].content;
  g_autofree char *path = g_build_filename (run_dir, "heredoc", NULL);
  g_autofree char *first = NULL;
  g_auto (GStrv) words = NULL;
  const char *nl = strchr (content, '\n');
  GStrvBuilder *b;

  first = g_strndup (content + 2, nl ? (gsize) (nl - content - 2) : strlen (content + 2));
  words = g_strsplit_set (g_strstrip (first), " \t", 2);
  if (words[0] == NULL || *words[0] == '\0')
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the heredoc's “#!” names no interpreter"));
      return FALSE;
    }
  if (!g_file_set_contents_full (path, content, -1, G_FILE_SET_CONTENTS_NONE, 0755, error))
    return FALSE;
  if (!build->rootless && chown (path, build->uid_base, build->uid_base) < 0)
    return pier_set_errno (error, errno, _("giving the heredoc to the container"));
  pier_sandbox_spec_add_volume (spec, path, HEREDOC_PATH, TRUE);
  b = g_strv_builder_new ();
  g_strv_builder_add (b, words[0]);
  if (words[1] != NULL && *g_strstrip (words[1]) != '\0')
    g_strv_builder_add (b, words[1]);
  g_strv_builder_add (b, HEREDOC_PATH);
  *argv = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return TRUE;
}

static gboolean
make_spec (PierBuild *build, PierBuildStage *stage, const PierInstruction *insn,
           const char *run_dir, PierMergedTree *tree, int upper_fd, PierSandboxSpec *spec,
           GError **error)
{
  g_auto (GStrv) lowers = pier_build_stage_lower_dirs (stage);
  g_autoptr (PierContainerUser) user = NULL;
  const PierRunConfig *rc = &stage->config->config;
  g_auto (GStrv) env = pier_dockerfile_scope_get_run_environment (stage->scope);
  g_autofree char *id12 = NULL;

  user = pier_container_user_resolve (rc->user ? rc->user : "", (const char *const *) lowers,
                                      error);
  if (user == NULL)
    return FALSE;
  spec->id = random_id ();
  id12 = g_strndup (spec->id, 12);
  spec->name = g_strdup_printf ("pier-build-%s", id12);
  spec->hostname = g_strdup (id12);
  spec->state_dir = g_build_filename (pier_store_get_runroot (build->store), "builds", spec->id,
                                      NULL);
  spec->log_path = g_build_filename (run_dir, "log", NULL);
  spec->runroot = g_strdup (pier_store_get_runroot (build->store));
  spec->lower_dirs = g_steal_pointer (&lowers);
  spec->upper_dir = g_build_filename (run_dir, "diff", NULL);
  spec->work_dir = g_build_filename (run_dir, "work", NULL);
  spec->bind_host_usr = pier_builtin_images_binds_host_usr (build->store, stage->config);

  if (insn->json_form)
    spec->argv = g_strdupv (insn->args);
  else if (is_bare_heredoc (insn) && g_str_has_prefix (insn->heredocs[0].content, "#!"))
    {
      if (!heredoc_script (build, insn, run_dir, spec, &spec->argv, error))
        return FALSE;
    }
  else
    {
      g_auto (GStrv) shell = stage_shell (stage);
      g_autofree char *script = run_script (insn);
      GStrvBuilder *b = g_strv_builder_new ();
      g_strv_builder_addv (b, (const char **) shell);
      g_strv_builder_add (b, script);
      spec->argv = g_strv_builder_end (b);
      g_strv_builder_unref (b);
    }
  if (g_environ_getenv (env, "PATH") == NULL)
    env = g_environ_setenv (env, "PATH", DEFAULT_PATH, TRUE);
  if (g_environ_getenv (env, "HOME") == NULL)
    env = g_environ_setenv (env, "HOME", user->home, TRUE);
  spec->env = g_steal_pointer (&env);
  spec->cwd = g_strdup (rc->working_dir && *rc->working_dir ? rc->working_dir : "/");
  spec->uid = user->uid;
  spec->gid = user->gid;
  spec->n_groups = user->groups->len;
  spec->groups = g_memdup2 (user->groups->data, sizeof (guint32) * user->groups->len);
  if (!network_for (build, insn, &spec->network, error))
    return FALSE;
  spec->rootless = build->rootless;
  spec->uid_base = spec->gid_base = build->uid_base;
  spec->uid_count = spec->gid_count = build->uid_count;
  if (!build->rootless && fchown (upper_fd, build->uid_base, build->uid_base) < 0)
    return pier_set_errno (error, errno, _("giving the sandbox layer to the container's root"));
  return prepare_scratch_dirs (build, tree, upper_fd, spec->upper_dir, spec, error);
}

/* Relays the command's output into progress events until it exits; cancelling kills it. */
static gboolean
follow_output (PierBuild *build, const char *state_dir, int conn, int *exit_code,
               GError **error)
{
  guint8 buf[PIER_ATTACH_MAX_PAYLOAD + 1];
  GPollFD cancel_fd = { -1, 0, 0 };
  gboolean killed = FALSE;
  gboolean ok = TRUE;

  g_cancellable_make_pollfd (build->cancellable, &cancel_fd);
  *exit_code = -1;
  for (;;)
    {
      struct pollfd pfds[2] = { { conn, POLLIN, 0 }, { cancel_fd.fd, POLLIN, 0 } };
      ssize_t n;

      if (poll (pfds, cancel_fd.fd >= 0 && !killed ? 2 : 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          ok = pier_set_errno (error, errno, _("following the build container"));
          break;
        }
      if (!killed && g_cancellable_is_cancelled (build->cancellable))
        {
          pier_sandbox_kill (state_dir, SIGKILL, NULL);
          killed = TRUE;
        }
      if (!(pfds[0].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      n = recv (conn, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      if (buf[0] == PIER_ATTACH_STDOUT || buf[0] == PIER_ATTACH_STDERR)
        pier_build_emit (build, PIER_BUILD_EVENT_OUTPUT, NULL, NULL, (const char *) buf + 1,
                         n - 1, 0);
      else if (buf[0] == PIER_ATTACH_EXIT && n == 5)
        *exit_code = (int) (((guint32) buf[1] << 24) | ((guint32) buf[2] << 16)
                            | ((guint32) buf[3] << 8) | buf[4]);
    }
  if (cancel_fd.fd >= 0)
    g_cancellable_release_fd (build->cancellable);
  return ok && !g_cancellable_set_error_if_cancelled (build->cancellable, error);
}

/* The monitor still removes the cgroup and releases the network lease after recording the
 * exit. */
static void
wait_monitor_gone (int pidfd)
{
  struct pollfd pfd = { pidfd, POLLIN, 0 };

  if (pidfd >= 0)
    while (poll (&pfd, 1, MONITOR_GONE_TIMEOUT_MS) < 0 && errno == EINTR)
      ;
}

PierBuildLayer *
pier_build_run (PierBuild *build, PierBuildStage *stage, const PierInstruction *insn,
                GError **error)
{
  int work_fd = pier_store_get_work_fd (build->store, error);
  g_autofree char *work = NULL;
  g_autofree char *run_name = NULL;
  g_autofree char *run_dir = NULL;
  g_autoptr (PierSandboxSpec) spec = pier_sandbox_spec_new ();
  g_autoptr (PierMergedTree) tree = NULL;
  g_autoptr (PierPendingBlob) pending = NULL;
  PierSandboxStartInfo info = { .attach_fd = -1 };
  PierSandboxState state = { 0 };
  pier_autofd int upper_fd = -1;
  pier_autofd int pidfd = -1;
  PierBuildLayer *layer = NULL;
  gboolean started = FALSE;
  int code = -1;

  for (guint i = 0; i < insn->n_flags; i++)
    if (strcmp (insn->flags[i].name, "network") != 0)
      {
        g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED, _("RUN --%s is not supported"),
                     insn->flags[i].name);
        return NULL;
      }
  if (work_fd < 0 || !ensure_id_range (build, error)
      || (work = pier_build_work_path (build->store, error)) == NULL
      || (tree = pier_build_stage_tree (build, stage, error)) == NULL
      || (run_name = pier_fs_mkdtemp_at (work_fd, "run", error)) == NULL)
    return NULL;
  run_dir = g_build_filename (work, run_name, NULL);
  {
    g_autofree char *diff = g_build_filename (run_name, "diff", NULL);
    g_autofree char *overlay_work = g_build_filename (run_name, "work", NULL);
    if (mkdirat (work_fd, diff, 0755) < 0 || mkdirat (work_fd, overlay_work, 0700) < 0)
      {
        pier_set_errno (error, errno, _("creating the build container's directories"));
        goto out;
      }
    upper_fd = pier_fs_open_dir_at (work_fd, diff, error);
    if (upper_fd < 0)
      goto out;
  }
  if (!make_spec (build, stage, insn, run_dir, tree, upper_fd, spec, error))
    goto out;
  if (!pier_sandbox_start (spec, PIER_SANDBOX_START_ATTACH | PIER_SANDBOX_START_TIED, &info,
                           error))
    goto out;
  started = TRUE;
  pidfd = (int) syscall (SYS_pidfd_open, info.monitor_pid, 0);
  {
    g_autofree char *id12 = g_strndup (spec->id, 12);
    pier_build_emit (build, PIER_BUILD_EVENT_RUNNING, NULL, id12, NULL, 0, 0);
  }
  if (!follow_output (build, spec->state_dir, info.attach_fd, &code, error))
    goto out;
  if (!pier_sandbox_wait (spec->state_dir, -1, &state, error))
    goto out;
  if (code < 0)
    code = state.exit_code;
  if (code != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("the command returned a non-zero code: %d"), code);
      goto out;
    }
  remove_runtime_traces (upper_fd);
  {
    PierPackOptions options = {
      .userxattr = build->rootless,
      .clamp_mtime = -1,
      .id_shift = build->rootless ? 0 : build->uid_base,
    };
    pending = pier_build_pack_to_pending (build->store, upper_fd, &options, build->cancellable,
                                          error);
  }
  if (pending != NULL)
    layer = pier_build_layer_new_pending (build->store, g_steal_pointer (&pending), error);

out:
  if (started)
    {
      /* A failure half way (cancelled, a broken connection) must not leave it running. Its
       * processes are all gone once the exit is recorded (the PID namespace dies with its
       * init), so the layer was packed meanwhile; the monitor's teardown is awaited only
       * now, before its state goes. */
      if (state.status != PIER_SANDBOX_EXITED)
        pier_sandbox_stop (spec->state_dir, SIGKILL, 0, NULL);
      wait_monitor_gone (pidfd);
      pier_sandbox_cleanup (spec->state_dir, NULL);
      pier_fs_rm_rf_at (AT_FDCWD, spec->state_dir, NULL);
    }
  pier_sandbox_state_clear (&state);
  pier_sandbox_start_info_clear (&info);
  pier_fs_rm_rf_at (work_fd, run_name, NULL);
  return layer;
}
