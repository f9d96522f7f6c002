/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Integration tests of the process scanner: they need root, and make real PID and user
 * namespaces with util-linux unshare, then hold every row against what the kernel and procps
 * say about the same processes. */
#include "test-support.h"

#include "pier-error.h"
#include "pier-exe-layer.h"
#include "pier-fsutil.h"
#include "pier-passwd-private.h"
#include "pier-process-snapshot.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- fixture: containers and children, killed and reaped whatever the test's outcome ------ */

typedef struct {
  pid_t launcher; /* unshare: our child, init's parent */
  int init;       /* host PID of the namespace's init (a child of the launcher) */
  guint64 pid_ns; /* read by the test from /proc/INIT/ns/pid */
  char *dir;      /* passwd, group, subid files and the ready marker */
} Container;

typedef struct {
  GArray *children;      /* pid_t: killed and reaped at teardown, launchers included */
  GPtrArray *containers; /* Container */
  char *tmp;
} Fixture;

static int
first_child (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d/children", pid, pid);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  return atoi (text);
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->children = g_array_new (FALSE, FALSE, sizeof (pid_t));
  f->containers = g_ptr_array_new ();
  f->tmp = pier_test_mkdtemp ();
  chmod (f->tmp, 0755);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  for (guint i = 0; i < f->containers->len; i++)
    {
      Container *c = f->containers->pdata[i];
      /* Killing init kills its whole PID namespace. While the launcher, our unreaped child,
       * still lists init as its child, that PID is init's and no one else's. */
      if (c->init > 0 && first_child (c->launcher) == c->init)
        kill (c->init, SIGKILL);
      g_free (c->dir);
      g_free (c);
    }
  for (guint i = 0; i < f->children->len; i++)
    {
      pid_t pid = g_array_index (f->children, pid_t, i);
      kill (pid, SIGKILL);
      while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  g_array_unref (f->children);
  g_ptr_array_unref (f->containers);
  pier_test_rm_rf (f->tmp);
  g_free (f->tmp);
  g_free (f);
  return 0;
}

/* Waits for a child of the fixture to exit by itself: its wait status. */
static int
wait_child (Fixture *f, pid_t pid)
{
  int status = -1;

  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  for (guint i = 0; i < f->children->len; i++)
    if (g_array_index (f->children, pid_t, i) == pid)
      g_array_remove_index (f->children, i--);
  return status;
}

static void
reap (Fixture *f, pid_t pid)
{
  kill (pid, SIGKILL);
  wait_child (f, pid);
}

static pid_t
spawn (Fixture *f, const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  GPid pid;

  if (!g_spawn_async (NULL, (char **) argv, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                          | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, &pid, &error))
    fail_msg ("spawning %s: %s", argv[0], error->message);
  g_array_append_val (f->children, pid);
  return pid;
}

static char *
run (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error))
    fail_msg ("running %s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    fail_msg ("%s failed: %s", argv[0], err);
  return out;
}

static gboolean
wait_for (gboolean (*cond) (gpointer), gpointer data)
{
  for (int i = 0; i < 1000; i++)
    {
      if (cond (data))
        return TRUE;
      g_usleep (10000);
    }
  return FALSE;
}

static guint64
ns_inode (int pid, const char *type)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/ns/%s", pid, type);
  struct stat st;

  return stat (path, &st) == 0 ? st.st_ino : 0;
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
put (const char *root, const char *path, const char *content)
{
  g_autofree char *full = g_build_filename (root, path, NULL);
  g_autofree char *dir = g_path_get_dirname (full);

  g_assert_no_errno (g_mkdir_with_parents (dir, 0755));
  g_assert_true (g_file_set_contents (full, content, -1, NULL));
}

/* A container as the runtime will make one: new user namespace mapping 0-65535 to host
 * 100000-165535, new PID and mount namespaces with their own /proc, init in a session of its
 * own, the container's own /etc/passwd and /etc/group bound over the host's. Inside, root's sh
 * is init and starts a sleep as uid 1000 and a sleep in a session of its own. newuidmap
 * checks /etc/subuid even for root: a private mount namespace around the launcher lends it
 * one, so the host's files stay untouched. */
typedef struct {
  int init;
  guint n;
} SleepersWait;

/* Background children fork, then exec: the test waits until @n of init's children run
 * "sleep 100...", with their uid already set. */
static gboolean
sleepers_running (gpointer data)
{
  SleepersWait *w = data;
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d/children", w->init, w->init);
  g_autofree char *text = NULL;
  g_auto (GStrv) pids = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  pids = g_strsplit (g_strstrip (text), " ", -1);
  for (guint i = 0; pids[i]; i++)
    {
      g_autofree char *cmdline_path = g_strdup_printf ("/proc/%s/cmdline", pids[i]);
      g_autofree char *cmdline = NULL;
      gsize len;
      if (g_file_get_contents (cmdline_path, &cmdline, &len, NULL) && len > 9
          && memcmp (cmdline, "sleep\0" "100", 9) == 0)
        n++;
    }
  return n >= w->n;
}

static Container *
container_start (Fixture *f, const char *extra_script, guint n_sleepers)
{
  Container *c = g_new0 (Container, 1);
  g_autofree char *ready = NULL;
  g_autofree char *inner = NULL;
  const char *outer =
      "mount --bind \"$2/subid\" /etc/subuid && mount --bind \"$2/subid\" /etc/subgid || exit 1\n"
      "exec unshare --user --map-users=100000,0,65536 --map-groups=100000,0,65536 "
      "--setuid 0 --setgid 0 --pid --fork --mount --mount-proc setsid sh -c \"$1\" init \"$2\"\n";
  c->dir = g_strdup_printf ("%s/c%u", f->tmp, f->containers->len);
  g_ptr_array_add (f->containers, c);
  g_assert_no_errno (g_mkdir (c->dir, 0777));
  chmod (c->dir, 0777); /* root inside is host 100000 and writes the marker */
  put (c->dir, "subid", "root:100000:65536\n");
  put (c->dir, "passwd",
       "# the container's own users\n"
       "root:x:0:0:root:/root:/bin/sh\n"
       "alice:x:1000:1000::/home/alice:/bin/sh\n");
  put (c->dir, "group", "root:x:0:\nstaff:x:1000:alice\n");
  inner = g_strdup_printf (
      "mount --bind \"$1/passwd\" /etc/passwd && mount --bind \"$1/group\" /etc/group || exit 1\n"
      "setpriv --reuid=1000 --regid=1000 --clear-groups sleep 1000 &\n"
      "setsid sleep 1001 &\n"
      "%s\n"
      /* the shell writes the marker itself: a touch could still be exiting, a fourth
       * process, when the snapshot is taken */
      ": > \"$1/ready\"\n"
      "wait\n",
      extra_script ? extra_script : "");
  {
    const char *argv[] = { "unshare", "--mount", "--propagation", "private", "sh", "-c", outer,
                           "launcher", inner, c->dir, NULL };
    c->launcher = spawn (f, argv);
  }
  ready = g_build_filename (c->dir, "ready", NULL);
  if (!wait_for (file_exists, ready))
    fail_msg ("the container did not start (is util-linux unshare with --map-users there?)");
  c->init = first_child (c->launcher);
  assert_true (c->init > 0);
  {
    SleepersWait w = { c->init, n_sleepers };
    if (!wait_for (sleepers_running, &w))
      fail_msg ("the container's sleep processes did not start");
  }
  c->pid_ns = ns_inode (c->init, "pid");
  assert_true (c->pid_ns != 0);
  assert_true (c->pid_ns != ns_inode (getpid (), "pid"));
  return c;
}

/* ---- the kernel's and procps's answers ------------------------------------------------------ */

typedef struct {
  int pid, ppid, pgid, sid;
  guint32 ruid;
  char ruser[64];
  long etimes;
  char comm[128];
} PsRow;

/* ps -o pid=,ppid=,pgid=,sid=,ruid=,ruser=,etimes=,comm= ; comm last, as it may hold spaces */
static GHashTable *
parse_ps (const char *out)
{
  GHashTable *rows = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    {
      PsRow *r = g_new0 (PsRow, 1);
      int consumed = 0;

      if (sscanf (lines[i], "%d %d %d %d %u %63s %ld %n", &r->pid, &r->ppid, &r->pgid, &r->sid,
                  &r->ruid, r->ruser, &r->etimes, &consumed)
              != 7
          || consumed == 0)
        {
          g_free (r);
          continue;
        }
      g_strlcpy (r->comm, lines[i] + consumed, sizeof r->comm);
      g_strchomp (r->comm);
      if (g_str_has_suffix (r->comm, " <defunct>"))
        r->comm[strlen (r->comm) - strlen (" <defunct>")] = '\0';
      g_hash_table_insert (rows, GINT_TO_POINTER (r->pid), r);
    }
  return rows;
}

#define PS_FORMAT "pid=,ppid=,pgid=,sid=,ruid=,ruser=,etimes=,comm="

static GHashTable *
ps_host (void)
{
  const char *argv[] = { "ps", "-e", "-o", PS_FORMAT, NULL };
  g_autofree char *out = run (argv);
  return parse_ps (out);
}

/* procps run inside the container: its PID namespace, its /proc, its user namespace and its
 * /etc/passwd */
static GHashTable *
ps_inside (Container *c)
{
  g_autofree char *target = g_strdup_printf ("%d", c->init);
  const char *argv[] = { "nsenter", "-t", target, "-U", "-p", "-m", "ps", "-e", "-o", PS_FORMAT,
                         NULL };
  g_autofree char *out = run (argv);
  return parse_ps (out);
}

/* ps prints the name, or the number when there is none, cut to 8 characters with a '+' */
static void
assert_ps_user (const PsRow *ps, const char *name, guint32 id)
{
  g_autofree char *expected = name ? g_strdup (name) : g_strdup_printf ("%u", id);

  if (strlen (ps->ruser) == 8 && ps->ruser[7] == '+')
    assert_true (strncmp (ps->ruser, expected, 7) == 0);
  else
    assert_string_equal (ps->ruser, expected);
}

typedef struct {
  gboolean ok;
  char comm[64];
  guint64 start;
  int sid;
  int ns_pid, ns_sid;
  guint32 uid;
} KernelView;

/* The test's own reading of /proc, independent of the scanner's. */
static KernelView
kernel_view (int pid)
{
  KernelView k = { 0 };
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  g_autofree char *status = NULL;
  g_auto (GStrv) fields = NULL;
  char *open, *close;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return k;
  g_free (path);
  path = g_strdup_printf ("/proc/%d/status", pid);
  if (!g_file_get_contents (path, &status, NULL, NULL))
    return k;
  open = strchr (stat, '(');
  close = strrchr (stat, ')');
  g_strlcpy (k.comm, open + 1, MIN ((gsize) (close - open), sizeof k.comm));
  fields = g_strsplit (close + 2, " ", -1);
  k.sid = atoi (fields[3]);
  k.start = g_ascii_strtoull (fields[19], NULL, 10);
  {
    g_auto (GStrv) lines = g_strsplit (status, "\n", -1);
    for (guint i = 0; lines[i]; i++)
      {
        g_auto (GStrv) v = g_strsplit_set (lines[i], " \t", -1);
        guint n = g_strv_length (v);
        if (n < 2)
          continue;
        if (g_str_equal (v[0], "NSpid:"))
          k.ns_pid = atoi (v[n - 1]);
        else if (g_str_equal (v[0], "NSsid:"))
          k.ns_sid = atoi (v[n - 1]);
        else if (g_str_equal (v[0], "Uid:"))
          k.uid = (guint32) atoi (v[1]);
      }
  }
  k.ok = TRUE;
  return k;
}

/* Every field of @r must come from one process: when the process is still there (same PID,
 * same start time) the kernel must agree with the row. */
static void
assert_row_consistent (const PierProcess *r)
{
  KernelView k;
  guint64 ns;

  assert_non_null (r->comm);
  assert_non_null (r->cmdline);
  assert_true (r->host_pid > 0);
  if (g_str_has_prefix (r->cmdline, "sleep 0.0"))
    assert_string_equal (r->comm, "sleep");
  if (g_str_has_prefix (r->cmdline, "sh -c while"))
    assert_string_equal (r->comm, "sh");
  /* an exiting process has no argv left: "[sleep]" is still its own */
  if (g_str_equal (r->comm, "sleep") && !g_str_has_prefix (r->cmdline, "sleep ")
      && !g_str_equal (r->cmdline, "[sleep]"))
    fail_msg ("row %d: comm %s, cmdline %s, state %c", r->host_pid, r->comm, r->cmdline, r->state);
  k = kernel_view (r->host_pid);
  if (!k.ok || k.start != r->start_ticks)
    return;
  assert_int_equal (k.ns_pid, r->container_pid);
  assert_int_equal (k.sid, r->host_sid);
  assert_int_equal (k.ns_sid, r->container_sid);
  assert_int_equal (k.uid, r->host_uid);
  ns = ns_inode (r->host_pid, "pid");
  if (ns != 0 && r->pid_ns != 0)
    assert_int_equal (ns, r->pid_ns);
}

static const PierProcess *
find_row (PierProcessSnapshot *snap, guint64 pid_ns, const char *comm, const char *cmdline)
{
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snap); i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snap, i);
      /* pid_ns: other suites running beside this one start processes with the same names */
      if ((pid_ns == 0 || p->pid_ns == pid_ns) && (comm == NULL || g_str_equal (p->comm, comm))
          && (cmdline == NULL || g_str_equal (p->cmdline, cmdline)))
        return p;
    }
  return NULL;
}

static PierProcessSnapshot *
snapshot_ns (PierProcessScanner *scanner, guint64 pid_ns)
{
  g_autoptr (GError) error = NULL;
  PierProcessFilter filter = { pid_ns };
  PierProcessSnapshot *snap = pier_process_scanner_snapshot (scanner, &filter, &error);

  pier_assert_no_error (error);
  assert_non_null (snap);
  return snap;
}

/* ---- 1. PIDs, sessions, groups and users as ps sees them, inside and on the host ------------ */

static void
test_process_snapshot_container_matches_ps (void **state)
{
  Fixture *f = *state;
  Container *c = container_start (f, NULL, 2);
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) snap = snapshot_ns (scanner, c->pid_ns);
  g_autoptr (GHashTable) inside = ps_inside (c);
  g_autoptr (GHashTable) host = ps_host ();
  guint n = pier_process_snapshot_get_n_processes (snap);
  guint n_inside = 0;
  GHashTableIter iter;
  PsRow *ps;

  /* init sh, the uid-1000 sleep, the setsid sleep */
  assert_int_equal (n, 3);
  g_hash_table_iter_init (&iter, inside);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &ps))
    if (!g_str_equal (ps->comm, "ps"))
      n_inside++;
  assert_int_equal (n_inside, n);

  for (guint i = 0; i < n; i++)
    {
      const PierProcess *r = pier_process_snapshot_get_process (snap, i);
      PsRow *in = g_hash_table_lookup (inside, GINT_TO_POINTER (r->container_pid));
      PsRow *out = g_hash_table_lookup (host, GINT_TO_POINTER (r->host_pid));
      gint64 started;

      assert_non_null (in);
      assert_non_null (out);
      started = g_get_real_time () / G_USEC_PER_SEC - out->etimes;
      assert_true (r->container_pid != r->host_pid);
      assert_int_equal (r->pid_ns, c->pid_ns);
      /* the inside view */
      assert_string_equal (in->comm, r->comm);
      assert_int_equal (in->ppid, r->container_ppid);
      assert_int_equal (in->pgid, r->container_pgid);
      assert_int_equal (in->sid, r->container_sid);
      assert_int_equal (in->ruid, r->uid);
      assert_ps_user (in, r->user, r->uid);
      /* the host view of the same process */
      assert_string_equal (out->comm, r->comm);
      assert_int_equal (out->ppid, r->host_ppid);
      assert_int_equal (out->pgid, r->host_pgid);
      assert_int_equal (out->sid, r->host_sid);
      assert_int_equal (out->ruid, r->host_uid);
      assert_ps_user (out, r->host_user, r->host_uid);
      /* and they are one process: the same age, the kernel's NSpid */
      assert_true (labs (out->etimes - in->etimes) <= 1);
      assert_true (llabs (r->start_time / G_USEC_PER_SEC - started) <= 2);
      assert_row_consistent (r);
    }
  /* init is PID 1, its parent (unshare) outside the namespace */
  {
    const PierProcess *init = pier_process_snapshot_find (snap, c->init);
    assert_non_null (init);
    assert_int_equal (init->container_pid, 1);
    assert_int_equal (init->container_ppid, 0);
    assert_int_equal (init->container_sid, 1);
    assert_int_equal (init->host_sid, c->init);
    assert_true (g_str_has_prefix (init->cmdline, "sh -c mount --bind"));
  }
}

/* Every host process that stayed the same while ps ran must read as ps reads it. */
static void
test_process_snapshot_host_matches_ps (void **state)
{
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PierProcessSnapshot) before = pier_process_scanner_snapshot (scanner, NULL, &error);
  g_autoptr (GHashTable) host = ps_host ();
  g_autoptr (PierProcessSnapshot) after = pier_process_scanner_snapshot (scanner, NULL, &error);
  guint64 host_pid_ns = ns_inode (getpid (), "pid");
  guint compared = 0;
  const PierProcess *kthreadd;

  pier_assert_no_error (error);
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (before); i++)
    {
      const PierProcess *r = pier_process_snapshot_get_process (before, i);
      const PierProcess *r2 = pier_process_snapshot_find (after, r->host_pid);
      PsRow *ps = g_hash_table_lookup (host, GINT_TO_POINTER (r->host_pid));
      struct passwd *pw;

      if (r2 == NULL || ps == NULL || r2->start_ticks != r->start_ticks
          || !g_str_equal (r2->comm, r->comm) || r2->host_sid != r->host_sid
          || r2->host_ppid != r->host_ppid || r2->host_pgid != r->host_pgid
          || r2->host_uid != r->host_uid)
        continue; /* changed while ps ran */
      compared++;
      if (!r->kernel_thread) /* kworkers rename themselves as they pick up work */
        assert_string_equal (ps->comm, r->comm);
      assert_int_equal (ps->sid, r->host_sid);
      assert_int_equal (ps->ppid, r->host_ppid);
      assert_int_equal (ps->pgid, r->host_pgid);
      assert_int_equal (ps->ruid, r->host_uid);
      assert_ps_user (ps, r->host_user, r->host_uid);
      /* the host's names are the system's own answer */
      pw = getpwuid (r->host_uid);
      if (pw != NULL)
        assert_string_equal (pw->pw_name, r->host_user);
      else
        assert_null (r->host_user);
      if (r->pid_ns == host_pid_ns)
        {
          assert_int_equal (r->container_pid, r->host_pid);
          assert_int_equal (r->container_sid, r->host_sid);
        }
    }
  assert_true (compared > 10);

  kthreadd = pier_process_snapshot_find (before, 2);
  assert_non_null (kthreadd);
  assert_true (kthreadd->kernel_thread);
  assert_string_equal (kthreadd->cmdline, "[kthreadd]");
}

/* A first snapshot with hundreds of new processes reads them on several threads: every row
 * equals the one a scanner reading on the calling thread alone makes, and the descriptors the
 * threads opened are kept for the refreshes. A scanner whose first snapshot was another
 * namespace's (and so skipped these command lines) reads them when they are shown. */
typedef struct {
  GArray *pids;
  guint first_arg;
} ExecWait;

static gboolean
all_exec_done (gpointer data)
{
  ExecWait *w = data;

  for (guint i = 0; i < w->pids->len; i++)
    {
      int pid = g_array_index (w->pids, pid_t, i);
      g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", pid);
      g_autofree char *expected = g_strdup_printf ("sleep %u", w->first_arg + i);
      g_autofree char *cmdline = NULL;
      gsize len;

      if (!g_file_get_contents (path, &cmdline, &len, NULL) || len != strlen (expected) + 1)
        return FALSE;
      cmdline[strlen ("sleep")] = ' ';
      if (!g_str_equal (cmdline, expected))
        return FALSE;
    }
  return TRUE;
}

static void
test_process_snapshot_threads (void **state)
{
  Fixture *f = *state;
  g_autoptr (PierProcessScanner) serial = pier_process_scanner_new ();
  g_autoptr (PierProcessScanner) threaded = pier_process_scanner_new ();
  g_autoptr (PierProcessScanner) filtered_first = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) none = NULL;
  g_autoptr (PierProcessSnapshot) later = NULL;
  PierProcessFilter other_ns = { .pid_ns = 1 };
  g_autoptr (PierProcessSnapshot) one = NULL;
  g_autoptr (PierProcessSnapshot) many = NULL;
  g_autoptr (PierProcessSnapshot) again = NULL;
  g_autoptr (GArray) pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  g_autoptr (GError) error = NULL;
  ExecWait w = { pids, 20000 };
  struct rlimit limit;
  guint n = 300;

  if (g_get_num_processors () < 2)
    fail_msg ("reading on threads needs 2 processors; this machine has 1");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *arg = g_strdup_printf ("%u", w.first_arg + i);
      const char *argv[] = { "sleep", arg, NULL };
      pid_t pid = spawn (f, argv);
      g_array_append_val (pids, pid);
    }
  if (!wait_for (all_exec_done, &w))
    fail_msg ("the %u sleep processes did not start", n);

  /* as the app does, so that the budget holds a descriptor for each process */
  g_assert_no_errno (getrlimit (RLIMIT_NOFILE, &limit));
  limit.rlim_cur = limit.rlim_max;
  g_assert_no_errno (setrlimit (RLIMIT_NOFILE, &limit));

  many = pier_process_scanner_snapshot (threaded, NULL, &error);
  pier_assert_no_error (error);
  assert_int_equal (pier_process_snapshot_get_n_processes (many),
                    pier_process_scanner_get_n_open_files (threaded));
  pier_process_scanner_set_max_threads (serial, 1);
  one = pier_process_scanner_snapshot (serial, NULL, &error);
  pier_assert_no_error (error);
  again = pier_process_scanner_snapshot (threaded, NULL, &error);
  pier_assert_no_error (error);
  none = pier_process_scanner_snapshot (filtered_first, &other_ns, &error);
  pier_assert_no_error (error);
  assert_int_equal (pier_process_snapshot_get_n_processes (none), 0);
  later = pier_process_scanner_snapshot (filtered_first, NULL, &error);
  pier_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      int pid = g_array_index (pids, pid_t, i);
      g_autofree char *expected = g_strdup_printf ("sleep %u", w.first_arg + i);
      const PierProcess *a = pier_process_snapshot_find (one, pid);
      const PierProcess *rows[] = { pier_process_snapshot_find (many, pid),
                                    pier_process_snapshot_find (again, pid),
                                    pier_process_snapshot_find (later, pid) };

      assert_non_null (a);
      assert_string_equal (a->cmdline, expected);
      assert_row_consistent (a);
      for (guint j = 0; j < G_N_ELEMENTS (rows); j++)
        {
          const PierProcess *r = rows[j];

          assert_non_null (r);
          assert_string_equal (r->cmdline, a->cmdline);
          assert_string_equal (r->comm, a->comm);
          assert_int_equal (r->host_ppid, getpid ());
          assert_int_equal (r->host_ppid, a->host_ppid);
          assert_int_equal (r->host_pgid, a->host_pgid);
          assert_int_equal (r->host_sid, a->host_sid);
          assert_int_equal (r->container_pid, a->container_pid);
          assert_int_equal (r->host_uid, a->host_uid);
          assert_int_equal (r->host_gid, a->host_gid);
          assert_int_equal (r->start_ticks, a->start_ticks);
          assert_int_equal (r->pid_ns, a->pid_ns);
          assert_int_equal (r->user_ns, a->user_ns);
        }
    }
}

/* ---- 2. sessions ---------------------------------------------------------------------------- */

typedef struct {
  PierProcessScanner *scanner;
  guint64 pid_ns;
  const char *cmdline;
} RowWait;

static gboolean
row_appears (gpointer data)
{
  RowWait *w = data;
  g_autoptr (PierProcessSnapshot) snap = snapshot_ns (w->scanner, w->pid_ns);
  return find_row (snap, w->pid_ns, NULL, w->cmdline) != NULL;
}

static void
test_process_snapshot_sessions (void **state)
{
  Fixture *f = *state;
  Container *a = container_start (f, NULL, 2);
  Container *b = container_start (f, NULL, 2);
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (GHashTable) origins = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr (PierProcessSnapshot) snap = NULL;
  g_autoptr (GPtrArray) sa = NULL;
  g_autoptr (GPtrArray) sb = NULL;
  g_autoptr (GPtrArray) sa2 = NULL;
  g_autoptr (GHashTable) inside = NULL;
  g_autofree char *target = g_strdup_printf ("%d", a->init);
  const char *argv[] = { "nsenter", "-t", target, "-U", "-p", "-m", "setsid", "sleep", "1002",
                         NULL };
  RowWait w = { scanner, a->pid_ns, "sleep 1002" };
  const PierProcessSession *init_a, *init_b, *exec_session = NULL;
  const PierProcess *exec_row;

  g_hash_table_insert (origins, GINT_TO_POINTER (a->init), (gpointer) "init");
  g_hash_table_insert (origins, GINT_TO_POINTER (b->init), (gpointer) "init");

  snap = snapshot_ns (scanner, 0);
  sa = pier_process_snapshot_sessions (snap, a->pid_ns, origins);
  sb = pier_process_snapshot_sessions (snap, b->pid_ns, origins);
  /* each: init's session (sh and the uid-1000 sleep) and the setsid sleep's */
  assert_int_equal (sa->len, 2);
  assert_int_equal (sb->len, 2);
  init_a = sa->pdata[0];
  init_b = sb->pdata[0];
  assert_int_equal (init_a->host_sid, a->init);
  assert_int_equal (init_b->host_sid, b->init);
  assert_int_equal (init_a->container_sid, 1);
  assert_int_equal (init_b->container_sid, 1);
  assert_non_null (init_a->leader);
  assert_int_equal (init_a->leader->container_pid, 1);
  assert_int_equal (init_a->leader->host_pid, a->init);
  assert_string_equal (init_a->origin, "init");
  assert_int_equal (init_a->processes->len, 2);
  assert_null (((PierProcessSession *) sa->pdata[1])->origin);
  assert_int_equal (((PierProcessSession *) sa->pdata[1])->processes->len, 1);

  /* an exec into A with setsid: a new session there, nothing new in B */
  spawn (f, argv);
  assert_true (wait_for (row_appears, &w));
  g_clear_pointer (&snap, pier_process_snapshot_unref);
  snap = snapshot_ns (scanner, 0);
  exec_row = find_row (snap, a->pid_ns, "sleep", "sleep 1002");
  assert_non_null (exec_row);
  g_hash_table_insert (origins, GINT_TO_POINTER (exec_row->host_sid), (gpointer) "exec");
  sa2 = pier_process_snapshot_sessions (snap, a->pid_ns, origins);
  g_clear_pointer (&sb, g_ptr_array_unref);
  sb = pier_process_snapshot_sessions (snap, b->pid_ns, origins);
  assert_int_equal (sa2->len, 3);
  assert_int_equal (sb->len, 2);
  for (guint i = 0; i < sa2->len; i++)
    {
      const PierProcessSession *s = sa2->pdata[i];
      if (s->host_sid == exec_row->host_pid)
        exec_session = s;
      assert_true (s->host_sid != b->init);
    }
  assert_non_null (exec_session);
  assert_string_equal (exec_session->origin, "exec");
  assert_int_equal (exec_session->container_sid, exec_row->container_pid);
  assert_ptr_equal (exec_session->leader, exec_row);
  assert_int_equal (exec_row->uid, 0);
  assert_int_equal (exec_row->host_uid, 100000);
  /* and ps inside agrees that it leads a session of its own */
  inside = ps_inside (a);
  {
    PsRow *ps = g_hash_table_lookup (inside, GINT_TO_POINTER (exec_row->container_pid));
    assert_non_null (ps);
    assert_string_equal (ps->comm, "sleep");
    assert_int_equal (ps->sid, exec_row->container_pid);
  }
  /* sessions keep their snapshot alive */
  g_clear_pointer (&snap, pier_process_snapshot_unref);
  assert_string_equal (exec_session->leader->comm, "sleep");
}

/* ---- 3. users: uid maps and the container's own passwd ------------------------------------- */

static void
test_process_snapshot_user_mapping (void **state)
{
  Fixture *f = *state;
  Container *c = container_start (f, NULL, 2);
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) snap = snapshot_ns (scanner, c->pid_ns);
  const PierProcess *init = pier_process_snapshot_find (snap, c->init);
  const PierProcess *alice = NULL;
  struct passwd *pw;

  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snap); i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snap, i);
      if (g_str_equal (p->cmdline, "sleep 1000"))
        alice = p;
    }
  assert_non_null (init);
  assert_non_null (alice);

  assert_int_equal (init->uid, 0);
  assert_int_equal (init->gid, 0);
  assert_int_equal (init->host_uid, 100000);
  assert_int_equal (init->host_gid, 100000);
  assert_string_equal (init->user, "root");
  assert_string_equal (init->group, "root");

  assert_int_equal (alice->uid, 1000);
  assert_int_equal (alice->gid, 1000);
  assert_int_equal (alice->host_uid, 101000);
  assert_int_equal (alice->host_gid, 101000);
  /* from the container's passwd, whatever the host calls 1000 */
  assert_string_equal (alice->user, "alice");
  assert_string_equal (alice->group, "staff");
  pw = getpwuid (101000);
  if (pw != NULL)
    assert_string_equal (alice->host_user, pw->pw_name);
  else
    assert_null (alice->host_user);
  assert_int_equal (alice->user_ns, ns_inode (alice->host_pid, "user"));
  assert_int_equal (alice->mnt_ns, ns_inode (alice->host_pid, "mnt"));
  assert_true (alice->user_ns != ns_inode (getpid (), "user"));
}

/* ---- the scanner in a user namespace of its own, as rootless Pier runs it ------------------- */

/* The maps the test writes for the scanner's namespace: its uid 1000 is the host's uid 1 (a
 * user with a name in Debian's passwd, "daemon"), the rest a range no one uses; the overflow
 * id 65534 is mapped too, as in rootless Pier's namespaces. gids start elsewhere, so that a
 * uid for a gid shows. */
#define SCANNER_UID_MAP "0 100000 1000\n1000 1 1\n1001 101001 64535\n"
#define SCANNER_GID_MAP "0 200000 65536\n"

/* The forked child, with plain calls only (no cmocka): makes a user namespace, waits for the
 * test to map it, becomes its root, starts a process as its uid 1000 (gid 1000), and prints a
 * "PID HOST-UID HOST-GID HOST-USER" line for that process, itself and its parent (the test,
 * root on the host and unmapped in the namespace), then a line counting the kernel threads
 * whose host uid is not 0. */
static int
scan_from_user_namespace (int ready_fd, int go_fd, int out_fd)
{
  g_autoptr (PierProcessScanner) scanner = NULL;
  g_autoptr (PierProcessSnapshot) snap = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  pid_t parent = getppid (), sleeper;
  guint bad_kthreads = 0;
  int ids_set[2];
  char c;

  if (unshare (CLONE_NEWUSER) < 0 || write (ready_fd, "u", 1) != 1 || read (go_fd, &c, 1) != 1)
    return 2;
  if (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0 || pipe (ids_set) < 0)
    return 3;
  sleeper = fork ();
  if (sleeper == 0)
    {
      close (ids_set[0]);
      if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || setresgid (1000, 1000, 1000) < 0
          || setresuid (1000, 1000, 1000) < 0)
        _exit (1);
      close (ids_set[1]);
      pause ();
      _exit (0);
    }
  close (ids_set[1]);
  /* the end of the pipe: the sleeper has its ids, or has died (waitpid says which) */
  if (sleeper < 0 || read (ids_set[0], &c, 1) != 0 || waitpid (sleeper, NULL, WNOHANG) != 0)
    return 4;
  scanner = pier_process_scanner_new ();
  snap = pier_process_scanner_snapshot (scanner, NULL, NULL);
  if (snap == NULL)
    return 5;
  for (guint i = 0; i < 3; i++)
    {
      pid_t pid = i == 0 ? sleeper : i == 1 ? getpid () : parent;
      const PierProcess *p = pier_process_snapshot_find (snap, pid);
      if (p != NULL)
        g_string_append_printf (out, "%d %u %u %s\n", pid, p->host_uid, p->host_gid,
                                p->host_user ? p->host_user : "-");
    }
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snap); i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snap, i);
      if (p->kernel_thread && (p->host_uid != 0 || p->host_gid != 0))
        bad_kthreads++;
    }
  g_string_append_printf (out, "kernel-threads-not-root %u\n", bad_kthreads);
  kill (sleeper, SIGKILL);
  waitpid (sleeper, NULL, 0);
  return write (out_fd, out->str, out->len) == (ssize_t) out->len ? 0 : 6;
}

static void
write_proc_file (pid_t pid, const char *name, const char *text)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", (int) pid, name);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0644, &error))
    fail_msg ("writing %s: %s", path, error->message);
}

/* A line of scan_from_user_namespace (), with the host's name for @uid. */
static const char *
expected_ids (pid_t pid, guint32 uid, guint32 gid)
{
  struct passwd *pw = uid != PIER_PROCESS_ID_UNKNOWN ? getpwuid (uid) : NULL;
  static char line[256];

  g_snprintf (line, sizeof line, "%d %u %u %s", (int) pid, uid, gid, pw ? pw->pw_name : "-");
  return line;
}

/* Rootless Pier's scanner runs in a user namespace where the user is root: /proc gives it that
 * namespace's ids, and its host columns must still be the host's, with the host's names. */
static void
test_process_snapshot_host_ids_from_user_namespace (void **state)
{
  Fixture *f = *state;
  int ready[2], go[2], out[2];
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  pid_t child;
  char c;
  int status;

  /* Debian's passwd names uid 1 */
  assert_string_equal (getpwuid (1)->pw_name, "daemon");
  assert_int_equal (pipe2 (ready, O_CLOEXEC), 0);
  assert_int_equal (pipe2 (go, O_CLOEXEC), 0);
  assert_int_equal (pipe2 (out, O_CLOEXEC), 0);
  child = fork ();
  if (child == 0)
    _exit (scan_from_user_namespace (ready[1], go[0], out[1]));
  assert_true (child > 0);
  g_array_append_val (f->children, child);
  close (ready[1]);
  close (go[0]);
  close (out[1]);
  assert_int_equal (read (ready[0], &c, 1), 1);
  write_proc_file (child, "uid_map", SCANNER_UID_MAP);
  write_proc_file (child, "gid_map", SCANNER_GID_MAP);
  assert_int_equal (write (go[1], "g", 1), 1);
  {
    g_autoptr (GIOChannel) channel = g_io_channel_unix_new (out[0]);
    g_io_channel_read_to_end (channel, &text, NULL, NULL);
  }
  status = wait_child (f, child);
  close (ready[0]);
  close (go[1]);
  close (out[0]);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    fail_msg ("the scanner's child failed (wait status %d)", status);

  lines = g_strsplit (text ? text : "", "\n", -1);
  assert_true (g_strv_length (lines) >= 4);
  /* uid 1000 inside is the host's uid 1, named from the host's passwd; gid 1000 is 201000 */
  assert_true (g_str_has_suffix (lines[0], " 1 201000 daemon"));
  /* the scanner itself: root inside */
  assert_string_equal (lines[1], expected_ids (child, 100000, 200000));
  /* the test, root on the host: the namespace does not map it, and the kernel's 65534 for it
   * is not the namespace's own 65534 (host 165533) */
  assert_string_equal (lines[2], expected_ids (getpid (), PIER_PROCESS_ID_UNKNOWN,
                                               PIER_PROCESS_ID_UNKNOWN));
  assert_string_equal (lines[3], "kernel-threads-not-root 0");
}

static void
test_process_snapshot_passwd_parse (void **state)
{
  const char text[] = "# comment\n"
                      "root:x:0:0:root:/root:/bin/bash\n"
                      "+nisuser::::::\n"
                      "bad:x:notanumber:0::/:/bin/sh\n"
                      "big:x:4294967296:0::/:/bin/sh\n"
                      "daemon:x:1:1::/:/usr/sbin/nologin\n"
                      "toor:x:0:0:second root:/root:/bin/sh\n"
                      "\n"
                      "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin";
  g_autoptr (PierIdNames) names = pier_id_names_parse (text, strlen (text));
  g_autoptr (PierIdNames) groups = pier_id_names_parse ("wheel:x:10:alice,bob\nusers:x:100:\n", 32);

  assert_int_equal (pier_id_names_get_size (names), 3);
  assert_string_equal (pier_id_names_lookup (names, 0), "root"); /* first wins, as getpwuid */
  assert_string_equal (pier_id_names_lookup (names, 1), "daemon");
  assert_string_equal (pier_id_names_lookup (names, 65534), "nobody");
  assert_null (pier_id_names_lookup (names, 2));
  assert_string_equal (pier_id_names_lookup (groups, 10), "wheel");
  assert_null (pier_id_names_lookup (groups, 100)); /* cut by the length given */
}

static void
test_process_snapshot_passwd_cache (void **state)
{
  Fixture *f = *state;
  g_autoptr (PierIdNamesCache) cache = pier_id_names_cache_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *etc = g_build_filename (f->tmp, "etc", NULL);
  g_autofree char *passwd = g_build_filename (etc, "passwd", NULL);
  g_autofree char *outside = g_build_filename (f->tmp, "outside", NULL);
  pier_autofd int root = -1;
  g_autoptr (PierIdNames) a = NULL;
  g_autoptr (PierIdNames) b = NULL;
  g_autoptr (PierIdNames) c = NULL;
  g_autoptr (PierIdNames) d = NULL;
  struct timespec times[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };

  g_assert_no_errno (g_mkdir (etc, 0755));
  g_assert_true (g_file_set_contents (passwd, "one:x:1:1::/:/bin/sh\n", -1, NULL));
  root = open (f->tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
  a = pier_id_names_cache_load (cache, root, "etc/passwd", &error);
  pier_assert_no_error (error);
  b = pier_id_names_cache_load (cache, root, "/etc/passwd", &error);
  pier_assert_no_error (error);
  assert_ptr_equal (a, b); /* unchanged: parsed once */
  assert_string_equal (pier_id_names_lookup (a, 1), "one");

  /* same size, new content, new mtime: parsed again */
  g_assert_true (g_file_set_contents (passwd, "two:x:1:1::/:/bin/sh\n", -1, NULL));
  utimensat (AT_FDCWD, passwd, times, 0);
  c = pier_id_names_cache_load (cache, root, "etc/passwd", &error);
  pier_assert_no_error (error);
  assert_ptr_not_equal (a, c);
  assert_string_equal (pier_id_names_lookup (c, 1), "two");
  assert_string_equal (pier_id_names_lookup (a, 1), "one"); /* old references stay valid */

  /* a container's absolute symlink resolves inside its root, not on the host */
  g_assert_true (g_file_set_contents (outside, "host:x:1:1::/:/bin/sh\n", -1, NULL));
  g_assert_no_errno (unlink (passwd));
  g_assert_no_errno (symlink ("/../../../outside-not-here", passwd));
  d = pier_id_names_cache_load (cache, root, "etc/passwd", &error);
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_null (d);
  g_clear_error (&error);

  /* a FIFO neither hangs the scanner nor parses */
  g_assert_no_errno (unlink (passwd));
  g_assert_no_errno (mkfifo (passwd, 0644));
  d = pier_id_names_cache_load (cache, root, "etc/passwd", &error);
  pier_assert_error (error, PIER_ERROR_INVALID);
  assert_null (d);
}

/* ---- 4. processes that exit, namespaces that vanish, PIDs that come back ------------------ */

static void
test_process_snapshot_churn (void **state)
{
  Fixture *f = *state;
  const char *loop = "while :; do for i in 1 2 3 4 5 6 7 8; do sleep 0.0$i & done; wait; done";
  g_autofree char *background = g_strdup_printf ("( %s ) &", loop);
  Container *c = container_start (f, background, 2);
  const char *argv[] = { "sh", "-c", loop, NULL };
  /* execs without forks, each changing comm: a row whose comm and argv disagree mixes two
   * programs */
  const char *exec_argv[] = { "sh", "-c",
                              "while :; do env nice env nice env nice env nice env nice true; done",
                              NULL };
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessScanner) no_fds = pier_process_scanner_new ();
  guint seen_in_container = 0, seen_execs = 0;
  pid_t exec_loop;

  pier_process_scanner_set_max_open_files (no_fds, 0);
  spawn (f, argv);
  exec_loop = spawn (f, exec_argv);
  for (int round = 0; round < 40; round++)
    {
      PierProcessScanner *s = round % 2 ? scanner : no_fds;
      g_autoptr (GError) error = NULL;
      g_autoptr (PierProcessSnapshot) snap = pier_process_scanner_snapshot (s, NULL, &error);

      pier_assert_no_error (error);
      for (guint i = 0; i < pier_process_snapshot_get_n_processes (snap); i++)
        {
          const PierProcess *r = pier_process_snapshot_get_process (snap, i);
          if (r->pid_ns == c->pid_ns)
            seen_in_container++;
          if (r->pid_ns == c->pid_ns || g_str_has_prefix (r->cmdline, "sleep 0.0")
              || g_str_has_prefix (r->cmdline, "sh -c while"))
            assert_row_consistent (r);
          if (r->host_ppid == exec_loop)
            {
              g_autofree char *argv0 = g_strndup (r->cmdline, strcspn (r->cmdline, " "));
              g_autofree char *bracketed = g_strdup_printf ("[%s]", r->comm);
              g_autofree char *base = g_path_get_basename (argv0);
              if (!g_str_equal (base, r->comm) && !g_str_equal (r->cmdline, bracketed))
                fail_msg ("row %d: comm %s, cmdline %s", r->host_pid, r->comm, r->cmdline);
              seen_execs++;
            }
        }
      g_usleep (10000);
    }
  assert_true (seen_in_container > 40 * 3);
  assert_true (seen_execs > 0);
  assert_int_equal (pier_process_scanner_get_n_open_files (no_fds), 0);
  assert_true (pier_process_scanner_get_n_open_files (scanner) > 0);
}

static gpointer
kill_later (gpointer data)
{
  Container *c = data;

  g_usleep (g_random_int_range (0, 30000));
  kill (c->init, SIGKILL);
  return NULL;
}

static void
test_process_snapshot_namespace_vanishes (void **state)
{
  Fixture *f = *state;
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();

  for (int round = 0; round < 3; round++)
    {
      Container *c = container_start (f, "for i in $(seq 300); do sleep 1000 & done", 302);
      g_autoptr (PierProcessScanner) cold = pier_process_scanner_new ();
      g_autoptr (GThread) killer = NULL;
      g_autoptr (PierProcessSnapshot) last = NULL;
      guint64 ns = c->pid_ns;

      /* the warm scanner knows them all; the cold one reads them while they die */
      last = snapshot_ns (scanner, ns);
      assert_true (pier_process_snapshot_get_n_processes (last) >= 300);
      killer = g_thread_new ("killer", kill_later, c);
      for (int i = 0; i < 10; i++)
        {
          PierProcessScanner *s = i % 2 ? scanner : cold;
          g_autoptr (PierProcessSnapshot) snap = snapshot_ns (s, ns);
          for (guint j = 0; j < pier_process_snapshot_get_n_processes (snap); j++)
            assert_row_consistent (pier_process_snapshot_get_process (snap, j));
        }
      g_thread_join (g_steal_pointer (&killer));
      for (int i = 0; i < 200; i++)
        {
          g_autoptr (PierProcessSnapshot) snap = snapshot_ns (scanner, ns);
          if (pier_process_snapshot_get_n_processes (snap) == 0)
            break;
          g_usleep (10000);
        }
      g_clear_pointer (&last, pier_process_snapshot_unref);
      last = snapshot_ns (scanner, ns);
      assert_int_equal (pier_process_snapshot_get_n_processes (last), 0);
    }
}

/* clone3 with set_tid: a new process with exactly the PID a dead one had */
static pid_t
spawn_with_pid (Fixture *f, pid_t pid, const char *path, char *const argv[])
{
  struct clone_args args = { 0 };
  long child;

  args.exit_signal = SIGCHLD;
  args.set_tid = (guint64) (guintptr) &pid;
  args.set_tid_size = 1;
  child = syscall (SYS_clone3, &args, sizeof args);
  if (child == 0)
    {
      execv (path, argv);
      _exit (127);
    }
  if (child < 0)
    fail_msg ("clone3 with set_tid %d: %s", pid, g_strerror (errno));
  g_array_append_val (f->children, child);
  return (pid_t) child;
}

static void
pid_reuse (Fixture *f, PierProcessScanner *scanner)
{
  const char *busy[] = { "sh", "-c", "while :; do :; done", NULL };
  char *busy_again[] = { (char *) "sh", (char *) "-c", (char *) "while true; do :; done", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (PierProcessSnapshot) first = NULL;
  g_autoptr (PierProcessSnapshot) second = NULL;
  const PierProcess *a, *b;
  pid_t pid = spawn (f, busy);
  long hz = sysconf (_SC_CLK_TCK);
  double age, lifetime_share;
  KernelView k;

  g_usleep (700000);
  first = pier_process_scanner_snapshot (scanner, NULL, &error);
  pier_assert_no_error (error);
  a = pier_process_snapshot_find (first, pid);
  assert_non_null (a);
  assert_string_equal (a->comm, "sh");
  assert_true (a->cpu_ticks > 10);
  reap (f, pid);
  g_usleep (20000); /* a later start time, even in clock ticks */

  /* the same PID, the same comm, a new busy process */
  assert_int_equal (spawn_with_pid (f, pid, "/bin/sh", busy_again), pid);
  for (int i = 0; i < 100; i++)
    {
      k = kernel_view (pid);
      if (k.ok && g_str_equal (k.comm, "sh"))
        break;
      g_usleep (10000);
    }
  g_usleep (300000);
  second = pier_process_scanner_snapshot (scanner, NULL, &error);
  pier_assert_no_error (error);
  b = pier_process_snapshot_find (second, pid);
  assert_non_null (b);
  assert_string_equal (b->comm, "sh");
  assert_string_equal (b->cmdline, "sh -c while true; do :; done");
  assert_int_equal (b->start_ticks, k.start);
  assert_true (b->start_ticks > a->start_ticks);
  /* its CPU share is its own ticks over its own life; measured from the old process's ticks
   * it would read 0 */
  assert_true (b->cpu_ticks > 0);
  age = (double) (pier_process_snapshot_get_time (second) - b->start_time) / G_USEC_PER_SEC;
  lifetime_share = (double) b->cpu_ticks / hz / age * 100.0;
  print_message ("reused PID %d: %.1f%% (own lifetime: %.1f%%)\n", pid, b->cpu_percent,
                 lifetime_share);
  assert_true (fabs (b->cpu_percent - lifetime_share) <= 2.0 + 0.15 * lifetime_share);
  assert_row_consistent (b);
  reap (f, pid);
}

static void
test_process_snapshot_pid_reuse (void **state)
{
  Fixture *f = *state;
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessScanner) no_fds = pier_process_scanner_new ();

  /* with the stat descriptor held, the old one reports the death; without, the start time */
  pid_reuse (f, scanner);
  pier_process_scanner_set_max_open_files (no_fds, 0);
  pid_reuse (f, no_fds);
}

static gboolean
kernel_says (int pid, const char *comm, int sid, guint32 uid)
{
  KernelView k = kernel_view (pid);
  return k.ok && g_str_equal (k.comm, comm) && k.sid == sid && k.uid == uid;
}

/* A process the scanner has known for a while (past the young-process window, when only stat
 * is read) calls setsid, then setuid, then exec: each change must reach its row. */
static void
test_process_snapshot_old_process_changes (void **state)
{
  Fixture *f = *state;
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) snap = NULL;
  g_autoptr (GError) error = NULL;
  const PierProcess *p;
  KernelView k;
  int control[2];
  pid_t child;
  int sid;
  guint n;

  g_assert_no_errno (pipe2 (control, O_CLOEXEC));
  child = fork ();
  if (child == 0)
    {
      char c;
      while (read (control[0], &c, 1) == 1)
        {
          if (c == 's')
            setsid ();
          else if (c == 'u'
                   && (setresgid (1000, 1000, 1000) < 0 || setresuid (1000, 1000, 1000) < 0))
            _exit (1);
          else if (c == 'e')
            execl ("/bin/sleep", "sleep", "1006", (char *) NULL);
        }
      _exit (0);
    }
  g_array_append_val (f->children, child);
  close (control[0]);
  k = kernel_view (child);
  sid = k.sid;

  g_usleep (6 * G_USEC_PER_SEC);
  snap = pier_process_scanner_snapshot (scanner, NULL, &error);
  pier_assert_no_error (error);
  p = pier_process_snapshot_find (snap, child);
  assert_non_null (p);
  assert_int_equal (p->host_sid, sid);
  assert_int_not_equal (p->host_sid, child);
  g_clear_pointer (&snap, pier_process_snapshot_unref);

  g_assert_no_errno (write (control[1], "s", 1));
  while (!kernel_says (child, k.comm, child, 0))
    g_usleep (1000);
  snap = pier_process_scanner_snapshot (scanner, NULL, &error);
  p = pier_process_snapshot_find (snap, child);
  assert_int_equal (p->host_sid, child);
  assert_int_equal (p->container_sid, child);
  assert_int_equal (p->container_pgid, child);
  g_clear_pointer (&snap, pier_process_snapshot_unref);

  /* a setuid without exec shows nowhere in stat: status is re-read in a slow rotation */
  g_assert_no_errno (write (control[1], "u", 1));
  while (!kernel_says (child, k.comm, child, 1000))
    g_usleep (1000);
  for (n = 1; n <= 16; n++)
    {
      g_clear_pointer (&snap, pier_process_snapshot_unref);
      snap = pier_process_scanner_snapshot (scanner, NULL, &error);
      p = pier_process_snapshot_find (snap, child);
      if (p->host_uid == 1000)
        break;
    }
  print_message ("the uid change showed in snapshot %u after it\n", n);
  assert_int_equal (p->host_uid, 1000);
  /* a host process has no inside view */
  assert_int_equal (p->uid, PIER_PROCESS_ID_UNKNOWN);
  assert_int_equal (p->user_ns, 0);

  g_assert_no_errno (write (control[1], "e", 1));
  for (;;)
    {
      /* comm changes early in an exec, argv only once the new program's stack is set up */
      g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", child);
      g_autofree char *cmdline = NULL;
      if (kernel_says (child, "sleep", child, 1000)
          && g_file_get_contents (path, &cmdline, NULL, NULL) && g_str_equal (cmdline, "sleep"))
        break;
      g_usleep (1000);
    }
  g_clear_pointer (&snap, pier_process_snapshot_unref);
  snap = pier_process_scanner_snapshot (scanner, NULL, &error);
  p = pier_process_snapshot_find (snap, child);
  assert_string_equal (p->comm, "sleep");
  assert_string_equal (p->cmdline, "sleep 1006");
  close (control[1]);
}

/* ---- 5. which layer an executable comes from ------------------------------------------------ */

static void
put_link (const char *root, const char *path, const char *target)
{
  g_autofree char *full = g_build_filename (root, path, NULL);
  g_autofree char *dir = g_path_get_dirname (full);

  g_assert_no_errno (g_mkdir_with_parents (dir, 0755));
  g_assert_no_errno (symlink (target, full));
}

static void
put_whiteout (const char *root, const char *path)
{
  g_autofree char *full = g_build_filename (root, path, NULL);
  g_autofree char *dir = g_path_get_dirname (full);

  g_assert_no_errno (g_mkdir_with_parents (dir, 0755));
  g_assert_no_errno (mknod (full, S_IFCHR | 0000, makedev (0, 0)));
}

static void
put_opaque (const char *root, const char *path, const char *xattr)
{
  g_autofree char *full = g_build_filename (root, path, NULL);

  g_assert_no_errno (g_mkdir_with_parents (full, 0755));
  g_assert_no_errno (setxattr (full, xattr, "y", 1, 0));
}

/* What the kernel's overlayfs shows at @path, resolved inside the merged root. */
static char *
merged_content (int merged_fd, const char *path)
{
  struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
  pier_autofd int fd = (int) syscall (SYS_openat2, merged_fd, path, &how, sizeof how);
  char buf[64];
  gssize n;

  if (fd < 0)
    return NULL;
  n = read (fd, buf, sizeof buf - 1);
  if (n < 0)
    return NULL;
  return g_strndup (buf, n);
}

static void
test_process_snapshot_exe_layer (void **state)
{
  Fixture *f = *state;
  g_autofree char *l0 = g_build_filename (f->tmp, "upper", NULL);
  g_autofree char *l1 = g_build_filename (f->tmp, "l1", NULL);
  g_autofree char *l2 = g_build_filename (f->tmp, "l2", NULL);
  g_autofree char *work = g_build_filename (f->tmp, "work", NULL);
  g_autofree char *merged = g_build_filename (f->tmp, "merged", NULL);
  g_autofree char *options = NULL;
  pier_autofd int merged_fd = -1;
  int fds[3];
  struct {
    const char *path;
    int layer; /* -1: no layer provides it */
  } cases[] = {
    { "/usr/bin/only-lower", 2 },
    { "/usr/bin/tool", 1 },          /* overridden in l1 */
    { "/usr/bin/readded", 0 },       /* whited out in l1, added again in the upper */
    { "/usr/bin/gone", -1 },         /* whited out in the upper */
    { "/opq/hidden", -1 },           /* under a directory made opaque in the upper */
    { "/opq/new", 0 },
    { "/bin/only-lower", 2 },        /* through l1's bin -> usr/bin */
    { "/usr/bin/rel-link", 1 },      /* l2's link to tool, which l1 overrides */
    { "/usr/bin/abs-link", 1 },
    { "/usr/bin/escape", 2 },        /* ../ above the root stays at the root */
    { "/usr/bin/up-link", 1 },       /* upper link through l1's bin symlink */
    { "/replaced", 1 },              /* a file in l1 over a directory in l2 */
    { "/replaced/x", -1 },
    { "usr/lib/../bin/./tool", 1 },
    { "/usr/bin/missing", -1 },
  };

  put (l2, "usr/bin/only-lower", "L2");
  put (l2, "usr/bin/tool", "L2");
  put (l2, "usr/bin/readded", "L2");
  put (l2, "usr/bin/gone", "L2");
  put (l2, "opq/hidden", "L2");
  put (l2, "usr/lib/libx", "L2");
  put (l2, "replaced/x", "L2");
  put_link (l2, "usr/bin/rel-link", "tool");
  put_link (l2, "usr/bin/abs-link", "/usr/bin/tool");
  put_link (l2, "usr/bin/escape", "../../../../../../usr/bin/only-lower");
  put (l1, "usr/bin/tool", "L1");
  put_whiteout (l1, "usr/bin/readded");
  put (l1, "replaced", "L1");
  put_link (l1, "bin", "usr/bin");
  put (l0, "usr/bin/readded", "L0");
  put_whiteout (l0, "usr/bin/gone");
  put_opaque (l0, "opq", "trusted.overlay.opaque");
  put (l0, "opq/new", "L0");
  put_link (l0, "usr/bin/up-link", "../../bin/tool");
  g_assert_no_errno (g_mkdir (work, 0755));
  g_assert_no_errno (g_mkdir (merged, 0755));

  fds[0] = open (l0, O_PATH | O_DIRECTORY | O_CLOEXEC);
  fds[1] = open (l1, O_PATH | O_DIRECTORY | O_CLOEXEC);
  fds[2] = open (l2, O_PATH | O_DIRECTORY | O_CLOEXEC);

  /* the kernel's own answer, from a real overlay mount in a mount namespace of our own */
  g_assert_no_errno (unshare (CLONE_NEWNS));
  g_assert_no_errno (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
  options = g_strdup_printf ("lowerdir=%s:%s,upperdir=%s,workdir=%s", l1, l2, l0, work);
  g_assert_no_errno (mount ("overlay", merged, "overlay", 0, options));
  merged_fd = open (merged, O_PATH | O_DIRECTORY | O_CLOEXEC);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *kernel = merged_content (merged_fd, cases[i].path);
      int layer = pier_process_exe_layer (cases[i].path, fds, 3, &error);

      print_message ("%s -> %d (kernel: %s)\n", cases[i].path, layer, kernel ? kernel : "none");
      assert_int_equal (layer, cases[i].layer);
      if (layer < 0)
        {
          pier_assert_error (error, PIER_ERROR_NOT_FOUND);
          assert_null (kernel);
        }
      else
        {
          g_autofree char *expected = g_strdup_printf ("L%d", layer);
          pier_assert_no_error (error);
          assert_string_equal (kernel, expected);
        }
    }
  umount2 (merged, MNT_DETACH);

  /* rootless overlays keep the opaque mark in user.overlay. */
  put (l1, "uopq/old", "L1");
  put_opaque (l0, "uopq", "user.overlay.opaque");
  {
    g_autoptr (GError) error = NULL;
    assert_int_equal (pier_process_exe_layer ("/uopq/old", fds, 3, &error), -1);
    pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  }
  /* a directory is not an executable's path */
  {
    g_autoptr (GError) error = NULL;
    assert_int_equal (pier_process_exe_layer ("/usr/..", fds, 3, &error), -1);
    pier_assert_error (error, PIER_ERROR_INVALID);
  }
  /* a link loop is an error, not a hang */
  put_link (l0, "loop-a", "loop-b");
  put_link (l1, "loop-b", "/loop-a");
  {
    g_autoptr (GError) error = NULL;
    assert_int_equal (pier_process_exe_layer ("/loop-a", fds, 3, &error), -1);
    pier_assert_error (error, PIER_ERROR_INVALID);
  }
  for (guint i = 0; i < 3; i++)
    close (fds[i]);
}

static void
test_process_snapshot_read_exe (void **state)
{
  Fixture *f = *state;
  const char *argv[] = { "sleep", "1004", NULL };
  pid_t pid = spawn (f, argv);
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) snap = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *expected = g_find_program_in_path ("sleep");
  g_autofree char *expected_real = realpath (expected, NULL);
  const PierProcess *p;

  for (int i = 0; i < 100; i++)
    {
      g_clear_pointer (&snap, pier_process_snapshot_unref);
      snap = pier_process_scanner_snapshot (scanner, NULL, &error);
      pier_assert_no_error (error);
      p = pier_process_snapshot_find (snap, pid);
      if (p != NULL && g_str_equal (p->comm, "sleep"))
        break;
      g_usleep (10000);
    }
  assert_non_null (p);
  exe = pier_process_read_exe (p, &error);
  pier_assert_no_error (error);
  assert_string_equal (exe, expected_real);
  reap (f, pid);
  g_clear_pointer (&exe, g_free);
  exe = pier_process_read_exe (p, &error);
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_null (exe);
}

/* ---- 6. CPU share ---------------------------------------------------------------------------- */

static guint64
kernel_ticks (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  g_auto (GStrv) fields = NULL;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    fail_msg ("process %d is gone", pid);
  fields = g_strsplit (strrchr (stat, ')') + 2, " ", -1);
  return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
}

static void
test_process_snapshot_cpu_percent (void **state)
{
  Fixture *f = *state;
  const char *busy_argv[] = { "sh", "-c", "while :; do :; done", NULL };
  const char *idle_argv[] = { "sleep", "1005", NULL };
  pid_t busy = spawn (f, busy_argv);
  pid_t idle = spawn (f, idle_argv);
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) first = NULL;
  g_autoptr (PierProcessSnapshot) second = NULL;
  g_autoptr (GError) error = NULL;
  long hz = sysconf (_SC_CLK_TCK);
  guint64 t0, t1;
  gint64 w0, w1;
  double expected, got;

  g_usleep (300000);
  t0 = kernel_ticks (busy);
  w0 = g_get_monotonic_time ();
  first = pier_process_scanner_snapshot (scanner, NULL, &error);
  pier_assert_no_error (error);
  g_usleep (G_USEC_PER_SEC);
  second = pier_process_scanner_snapshot (scanner, NULL, &error);
  pier_assert_no_error (error);
  t1 = kernel_ticks (busy);
  w1 = g_get_monotonic_time ();

  /* the kernel's own count over an interval just around the scanner's */
  expected = (double) (t1 - t0) / hz * G_USEC_PER_SEC / (double) (w1 - w0) * 100.0;
  got = pier_process_snapshot_find (second, busy)->cpu_percent;
  print_message ("busy: %.1f%% (kernel: %.1f%%), idle: %.1f%%\n", got, expected,
                 pier_process_snapshot_find (second, idle)->cpu_percent);
  assert_true (expected > 30.0); /* it did get a CPU on this shared machine */
  assert_true (fabs (got - expected) < 12.0);
  assert_true (got <= 105.0);
  assert_true (pier_process_snapshot_find (second, idle)->cpu_percent < 1.0);
}

/* ---- terminals and zombies ------------------------------------------------------------------- */

static void
test_process_snapshot_tty_and_zombie (void **state)
{
  Fixture *f = *state;
  int master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_autofree char *expected = NULL;
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) snap = NULL;
  g_autoptr (GError) error = NULL;
  const PierProcess *with_tty, *zombie;
  pid_t child, dead;
  int ready[2];
  char c;

  assert_true (master >= 0);
  g_assert_no_errno (grantpt (master));
  g_assert_no_errno (unlockpt (master));
  expected = g_strdup (ptsname (master) + strlen ("/dev/"));
  g_assert_no_errno (pipe2 (ready, O_CLOEXEC));
  child = fork ();
  if (child == 0)
    {
      /* a session leader without a terminal takes the first it opens */
      setsid ();
      if (open (ptsname (master), O_RDWR) < 0)
        _exit (1);
      (void) !write (ready[1], "x", 1);
      pause ();
      _exit (0);
    }
  g_array_append_val (f->children, child);
  dead = fork ();
  if (dead == 0)
    _exit (0);
  g_array_append_val (f->children, dead);
  close (ready[1]);
  assert_int_equal (read (ready[0], &c, 1), 1);
  close (ready[0]);
  while (waitid (P_PID, dead, NULL, WEXITED | WNOWAIT) < 0 && errno == EINTR)
    ;

  snap = pier_process_scanner_snapshot (scanner, NULL, &error);
  pier_assert_no_error (error);
  with_tty = pier_process_snapshot_find (snap, child);
  assert_non_null (with_tty);
  assert_string_equal (with_tty->tty, expected);
  assert_int_equal (with_tty->host_sid, child);
  zombie = pier_process_snapshot_find (snap, dead);
  assert_non_null (zombie);
  assert_int_equal (zombie->state, 'Z');
  assert_true (g_str_has_prefix (zombie->cmdline, "["));
  assert_int_equal (zombie->pid_ns, ns_inode (getpid (), "pid"));
  close (master);
}

int
main (int argc, char **argv)
{
  if (geteuid () != 0)
    {
      print_message ("FAILED process-snapshot: the tests make namespaces and need root\n");
      return 1;
    }
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_process_snapshot_container_matches_ps, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_host_matches_ps, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_threads, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_sessions, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_user_mapping, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_host_ids_from_user_namespace, setup,
                                     teardown),
    cmocka_unit_test (test_process_snapshot_passwd_parse),
    cmocka_unit_test_setup_teardown (test_process_snapshot_passwd_cache, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_churn, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_namespace_vanishes, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_pid_reuse, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_old_process_changes, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_read_exe, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_cpu_percent, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_tty_and_zombie, setup, teardown),
    cmocka_unit_test_setup_teardown (test_process_snapshot_exe_layer, setup, teardown),
  };
  if (argc > 1)
    cmocka_set_test_filter (argv[1]);
  return cmocka_run_group_tests_name ("process-snapshot", tests, NULL, NULL);
}
