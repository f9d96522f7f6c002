/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Building the set-up list, in the parent; and the sync socket both sides share. The child's
 * side is pier-sandbox-setup-run.c. */
#include "pier-sandbox-setup-private.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- building, in the parent (GLib allowed) ---- */

PierSetupPlan *
pier_setup_plan_new (void)
{
  PierSetupPlan *plan = g_new0 (PierSetupPlan, 1);

  plan->ops = g_array_new (FALSE, TRUE, sizeof (PierSetupOp));
  plan->slots = g_array_new (FALSE, TRUE, sizeof (int));
  plan->strings = g_string_chunk_new (4096);
  plan->owned = g_ptr_array_new_with_free_func (g_free);
  plan->sync_fd = -1;
  plan->root_fd = -1;
  return plan;
}

void
pier_setup_plan_free (PierSetupPlan *plan)
{
  if (plan == NULL)
    return;
  g_array_unref (plan->ops);
  g_array_unref (plan->slots);
  g_string_chunk_free (plan->strings);
  g_ptr_array_unref (plan->owned);
  g_free (plan);
}

int
pier_setup_plan_add_slot (PierSetupPlan *plan, int fd)
{
  g_array_append_val (plan->slots, fd);
  return plan->slots->len - 1;
}

static const char *
keep_string (PierSetupPlan *plan, const char *s)
{
  return s ? g_string_chunk_insert (plan->strings, s) : NULL;
}

/* A NULL-terminated copy of @strv whose strings live in the plan. */
static char **
keep_strv (PierSetupPlan *plan, const char *const *strv, gsize n)
{
  char **copy = g_new0 (char *, n + 1);

  for (gsize i = 0; i < n; i++)
    copy[i] = strv[i] ? g_string_chunk_insert (plan->strings, strv[i]) : NULL;
  g_ptr_array_add (plan->owned, copy);
  return copy;
}

PierSetupOp *
pier_setup_plan_add (PierSetupPlan *plan, PierSetupOpKind kind, const char *path,
                     const char *arg, int options, const char *what_format, ...)
{
  PierSetupOp op = { .kind = kind, .slot = -1, .options = options };
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, what_format);
  what = g_strdup_vprintf (what_format, args);
  va_end (args);
  op.what = keep_string (plan, what);
  op.path = keep_string (plan, path);
  op.arg = keep_string (plan, arg);
  g_array_append_val (plan->ops, op);
  return &g_array_index (plan->ops, PierSetupOp, plan->ops->len - 1);
}

void
pier_setup_op_set_params (PierSetupPlan *plan, PierSetupOp *op, const char *const *params)
{
  gsize n = 0;

  /* Pairs may hold NULL values (flags), so the length is counted by keys. */
  while (params[n] != NULL)
    n += 2;
  op->params = (const char *const *) keep_strv (plan, params, n);
}

void
pier_setup_op_set_list (PierSetupPlan *plan, PierSetupOp *op, const char *const *list)
{
  op->params = (const char *const *) keep_strv (plan, list, g_strv_length ((char **) list));
}

void
pier_setup_op_set_ids (PierSetupPlan *plan, PierSetupOp *op, guint32 uid, guint32 gid,
                       const guint32 *groups, gsize n_groups)
{
  guint32 *ids = g_new (guint32, n_groups + 2);

  ids[0] = uid;
  ids[1] = gid;
  if (n_groups > 0)
    memcpy (ids + 2, groups, n_groups * sizeof (guint32));
  g_ptr_array_add (plan->owned, ids);
  op->ids = ids;
  op->n_ids = (int) n_groups + 2;
}

void
pier_setup_plan_add_exec (PierSetupPlan *plan, char *const *argv, char *const *envp)
{
  const char *path = NULL;
  g_auto (GStrv) dirs = NULL;
  g_autoptr (GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);

  plan->argv = keep_strv (plan, (const char *const *) argv, g_strv_length ((char **) argv));
  plan->envp = keep_strv (plan, (const char *const *) envp,
                          envp ? g_strv_length ((char **) envp) : 0);
  plan->command = plan->argv[0];
  if (strchr (argv[0], '/') == NULL)
    {
      for (gsize i = 0; envp && envp[i]; i++)
        if (g_str_has_prefix (envp[i], "PATH="))
          path = envp[i] + strlen ("PATH=");
      dirs = g_strsplit (path ? path : DEFAULT_PATH, ":", -1);
      for (char **dir = dirs; *dir; dir++)
        g_ptr_array_add (candidates, g_build_filename (**dir ? *dir : ".", argv[0], NULL));
    }
  plan->candidates = (const char *const *) keep_strv (
      plan, (const char *const *) candidates->pdata, candidates->len);
  pier_setup_plan_add (plan, PIER_SETUP_EXEC, NULL, NULL, 0, _("starting %s"), argv[0]);
}

void
pier_setup_plan_add_mount (PierSetupPlan *plan, const char *fstype, const char *target,
                           int options, guint64 attrs, const char *const *params)
{
  PierSetupOp *op = pier_setup_plan_add (plan, PIER_SETUP_MOUNT, target, fstype,
                                         options | PIER_SETUP_CREATE, _("mounting %s on %s"),
                                         fstype, target);
  op->value = attrs;
  pier_setup_op_set_params (plan, op, params);
}

void
pier_setup_plan_add_process (PierSetupPlan *plan, const PierExecSpec *process, guint64 caps,
                             const PierSeccompProgram *seccomp, gboolean rearm_pdeathsig)
{
  const char *cwd = process->cwd ? process->cwd : "/";
  PierSetupOp *op;

  op = pier_setup_plan_add (plan, PIER_SETUP_CAPS_BOUND, NULL, NULL, 0,
                            _("bounding the capabilities"));
  op->value = caps;
  op = pier_setup_plan_add (plan, PIER_SETUP_IDENTITY, NULL, NULL, 0, _("switching to user %u:%u"),
                            process->uid, process->gid);
  pier_setup_op_set_ids (plan, op, process->uid, process->gid, process->groups,
                         process->n_groups);
  pier_setup_plan_add (plan, PIER_SETUP_CHDIR, cwd, NULL, 0,
                       _("changing to the working directory %s"), cwd);
  op = pier_setup_plan_add (plan, PIER_SETUP_CAPS_SET, NULL, NULL, 0,
                            _("setting the capabilities"));
  op->value = caps;
  pier_setup_plan_add (plan, PIER_SETUP_NO_NEW_PRIVS, NULL, NULL, 0, _("setting no_new_privs"));
  if (rearm_pdeathsig)
    pier_setup_plan_add (plan, PIER_SETUP_PDEATHSIG, NULL, NULL, 0,
                         _("tying the init to its monitor"));
  if (seccomp != NULL)
    {
      gsize size = seccomp->len * sizeof (struct sock_filter);

      op = pier_setup_plan_add (plan, PIER_SETUP_SECCOMP, NULL, NULL, 0,
                                _("loading the seccomp filter"));
      op->value = seccomp->flags;
      op->filter = g_memdup2 (seccomp->insns, size);
      op->filter_len = seccomp->len;
      g_ptr_array_add (plan->owned, (gpointer) op->filter);
    }
  pier_setup_plan_add_exec (plan, process->argv, process->env);
}

/* ---- the sync socket (async-signal-safe both ways) ---- */

int
pier_sync_send (int sock, const PierSyncMsg *msg, const int *fds, int n_fds)
{
  union {
    char buf[CMSG_SPACE (sizeof (int) * 16)];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = (void *) msg, .iov_len = sizeof *msg };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t n;

  if (n_fds > 16)
    {
      errno = EINVAL;
      return -1;
    }
  if (n_fds > 0)
    {
      struct cmsghdr *cmsg;

      memset (&control, 0, sizeof control);
      mh.msg_control = control.buf;
      mh.msg_controllen = CMSG_SPACE (sizeof (int) * n_fds);
      cmsg = CMSG_FIRSTHDR (&mh);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int) * n_fds);
      memcpy (CMSG_DATA (cmsg), fds, sizeof (int) * n_fds);
    }
  do
    n = sendmsg (sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

ssize_t
pier_sync_recv (int sock, PierSyncMsg *msg, int *fds, int max_fds, int *n_fds)
{
  union {
    char buf[CMSG_SPACE (sizeof (int) * 16)];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = msg, .iov_len = sizeof *msg };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf };
  ssize_t n;

  *n_fds = 0;
  do
    n = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&mh); c != NULL; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int count = (int) ((c->cmsg_len - CMSG_LEN (0)) / sizeof (int));
        int got[16];

        memcpy (got, CMSG_DATA (c), sizeof (int) * MIN (count, 16));
        for (int i = 0; i < count && i < 16; i++)
          {
            if (*n_fds < max_fds)
              fds[(*n_fds)++] = got[i];
            else
              close (got[i]);
          }
      }
  if (n > 0 && (size_t) n < offsetof (PierSyncMsg, text))
    {
      errno = EPROTO;
      return -1;
    }
  if (n > 0)
    msg->text[sizeof msg->text - 1] = '\0';
  return n;
}

void
pier_sync_set_error (const PierSyncMsg *msg, GError **error)
{
  if (msg->errsv != 0)
    g_set_error (error, PIER_ERROR, pier_error_code_from_errno (msg->errsv), "%s: %s",
                 msg->text, g_strerror (msg->errsv));
  else
    g_set_error_literal (error, PIER_ERROR, (int) msg->value, msg->text);
}
