/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The hostile and tricky archives that container tools test their extraction with, as data in
 * ../shared/testdata/derived/tar-extraction-cases.json, and breakout cases of Pier's own that
 * run without it. Needs root, as test-layer-unpack does. */
#include "layer-fixture.h"

#include "pier-error.h"
#include "pier-fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define CASES_FILE "derived/tar-extraction-cases.json"

/* ---- the public cases in ../shared/testdata/derived/tar-extraction-cases.json ---- */

/* Where the cases came from (moby/go-archive, containerd, umoci), extraction is tested inside
 * tmp/dest with a sibling tmp/victim/hello that must stay untouched. Here tmp is also the root
 * of the process that extracts (unpack_confined), and holds sentinels where the cases aim
 * their links at host paths (/etc, /run/existing, /tmp): a broken extractor following one
 * writes into tmp, where harness_check_outside sees it, and never onto the host. */
typedef struct {
  char *tmp;
  int tmp_fd;
  int dest_fd;
  char *breakout_name;       /* what "breakout-X" becomes: unique, so /tmp can be checked */
  gboolean evil_sibling;
  GError *error;
} Harness;

static void
harness_init (Harness *h, json_t *c)
{
  static const char *const sentinels[] = { "etc/passwd", "run/existing/", "tmp/", NULL };
  g_autoptr (GError) error = NULL;

  memset (h, 0, sizeof *h);
  h->tmp = pier_test_mkdtemp ();
  h->tmp_fd = pier_fs_open_dir_at (AT_FDCWD, h->tmp, &error);
  pier_assert_no_error (error);
  h->dest_fd = make_dest (h->tmp, "dest");
  assert_int_equal (mkdirat (h->dest_fd, "victim", 0755), 0);
  assert_int_equal (mkdirat (h->tmp_fd, "victim", 0755), 0);
  {
    pier_autofd int victim = openat (h->tmp_fd, "victim", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    write_file_at (victim, "hello", "hello", 0644);
  }
  make_tree (h->tmp_fd, sentinels);
  if (json_is_string (json_object_get (c, "pre_outside")))
    {
      assert_string_equal (json_string_value (json_object_get (c, "pre_outside")),
                           "tmp/dest-evil/secret");
      h->evil_sibling = TRUE;
      assert_int_equal (mkdirat (h->tmp_fd, "dest-evil", 0755), 0);
      {
        pier_autofd int evil = openat (h->tmp_fd, "dest-evil", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        write_file_at (evil, "secret", "secret", 0644);
      }
    }
  /* For HardlinkSymlinkChmod: host files the archive names by absolute path. */
  write_file_at (h->tmp_fd, "also-exists-outside-root", "outside", 0644);
  write_file_at (h->tmp_fd, "perm400", "perm400", 0400);
  h->breakout_name = g_strdup_printf ("breakout-%08x", g_random_int ());
}

/* Nothing outside tmp/dest changed, whatever the archive did. */
static void
harness_check_outside (Harness *h)
{
  g_autoptr (GPtrArray) tmp_names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *listing = NULL;
  g_autofree char *host_breakout = g_build_filename ("/tmp", h->breakout_name, NULL);
  struct stat st;

  listing = tree_listing (h->tmp_fd);
  /* Only the top level, the sentinels and victim/ matter here: dest/ is the archive's. */
  {
    g_auto (GStrv) parts = g_strsplit (listing, " ", -1);
    for (char **p = parts; *p != NULL; p++)
      if (!g_str_has_prefix (*p, "dest/") || strcmp (*p, "dest/") == 0)
        g_ptr_array_add (tmp_names, g_strdup (*p));
  }
  g_ptr_array_add (tmp_names, NULL);
  {
    g_autofree char *outside = g_strjoinv (" ", (char **) tmp_names->pdata);
    const char *expected = h->evil_sibling
        ? "also-exists-outside-root dest-evil/ dest-evil/secret dest/ etc/ etc/passwd perm400 "
          "run/ run/existing/ tmp/ victim/ victim/hello"
        : "also-exists-outside-root dest/ etc/ etc/passwd perm400 run/ run/existing/ tmp/ victim/ "
          "victim/hello";
    assert_string_equal (outside, expected);
  }
  assert_content (h->tmp_fd, "victim/hello", "hello");
  assert_content (h->tmp_fd, "etc/passwd", "lower");
  assert_content (h->tmp_fd, "also-exists-outside-root", "outside");
  assert_content (h->tmp_fd, "perm400", "perm400");
  assert_int_equal (fstatat (h->tmp_fd, "perm400", &st, 0), 0);
  assert_int_equal (st.st_mode & 07777, 0400);
  if (h->evil_sibling)
    assert_content (h->tmp_fd, "dest-evil/secret", "secret");
  assert_int_equal (lstat (host_breakout, &st), -1);
}

/* In a child whose private mount namespace has tmp for its root (bound there, pivot_root, the
 * host's tree detached): the child's failure to get there is the test's failure, not the
 * archive's. */
static gboolean
confine_to (const char *root)
{
  return unshare (CLONE_NEWNS) == 0 && mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0
         && mount (root, root, NULL, MS_BIND | MS_REC, NULL) == 0 && chdir (root) == 0
         && syscall (SYS_pivot_root, ".", ".") == 0 && umount2 (".", MNT_DETACH) == 0
         && chdir ("/") == 0;
}

/* Extracts @tar into dest as the harness's root sees it; h->error gets a refusal. */
static gboolean
unpack_confined (Harness *h, GBytes *tar, const PierUnpackOptions *options)
{
  g_autoptr (GByteArray) report = g_byte_array_new ();
  pier_autofd int read_end = -1;
  pier_autofd int write_end = -1;
  g_autoptr (GBytes) empty = NULL;
  int fds[2], status;
  guint8 buf[4096];
  ssize_t n;
  pid_t pid;

  /* libarchive is opened on first use, which must happen while the host's libraries are in
   * sight. */
  {
    pier_autofd int scratch = make_dest (h->tmp, "warm-up");
    TarBuilder *t = tar_new ();
    empty = tar_finish (t);
    assert_true (unpack_full (empty, scratch, NULL, NULL, NULL));
    assert_int_equal (unlinkat (h->tmp_fd, "warm-up", AT_REMOVEDIR), 0);
  }
  assert_int_equal (pipe2 (fds, O_CLOEXEC), 0);
  read_end = fds[0];
  write_end = fds[1];
  pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *line = NULL;

      if (!confine_to (h->tmp))
        line = g_strdup_printf ("C confining the extraction to %s: %s", h->tmp, g_strerror (errno));
      else if (unpack_full (tar, h->dest_fd, options, NULL, &error))
        line = g_strdup ("O");
      else
        line = g_strdup_printf ("%c%d %s", error->domain == PIER_ERROR ? 'E' : 'C', error->code,
                                error->message);
      _exit (write (write_end, line, strlen (line)) == (ssize_t) strlen (line) ? 0 : 1);
    }
  close (g_steal_fd (&write_end));
  while ((n = read (read_end, buf, sizeof buf)) > 0)
    g_byte_array_append (report, buf, n);
  assert_int_equal (waitpid (pid, &status, 0), pid);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0 || report->len == 0)
    fail_msg ("the confined extraction died (status 0x%x)", status);
  g_byte_array_append (report, (const guint8 *) "", 1);
  {
    const char *text = (const char *) report->data;
    char *end;
    long code;

    if (text[0] == 'O')
      return TRUE;
    if (text[0] != 'E')
      fail_msg ("%s", text + 1);
    code = strtol (text + 1, &end, 10);
    g_set_error_literal (&h->error, PIER_ERROR, (int) code, end + 1);
    return FALSE;
  }
}

static void
harness_clear (Harness *h)
{
  close (h->dest_fd);
  close (h->tmp_fd);
  pier_test_rm_rf (h->tmp);
  g_free (h->tmp);
  g_free (h->breakout_name);
  g_clear_error (&h->error);
}


/* The case file's placeholders, made concrete for this harness. */
static char *
substitute (Harness *h, const char *s)
{
  if (strcmp (s, "<abs host path also-exists-outside-root>") == 0)
    return g_strdup ("/also-exists-outside-root");
  if (strcmp (s, "<abs host path perm400>") == 0)
    return g_strdup ("/perm400");
  if (g_str_has_suffix (s, "breakout-X"))
    return g_strdup_printf ("%.*s%s", (int) (strlen (s) - strlen ("breakout-X")), s,
                            h->breakout_name);
  return g_strdup (s);
}

/* Contents in the case file spell bytes as \xNN. */
static GBytes *
decode_content (const char *s)
{
  GString *out = g_string_new (NULL);

  for (const char *p = s; *p != '\0'; p++)
    {
      if (p[0] == '\\' && p[1] == 'x' && g_ascii_isxdigit (p[2]) && g_ascii_isxdigit (p[3]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (p[2]) * 16
                                          + g_ascii_xdigit_value (p[3])));
          p += 3;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free_to_bytes (out);
}

static GBytes *
build_case_tar (Harness *h, json_t *entries)
{
  TarBuilder *t = tar_new ();
  size_t i;
  json_t *e;

  json_array_foreach (entries, i, e)
    {
      const char *type = json_string_value (json_array_get (e, 0));
      g_autofree char *name = substitute (h, json_string_value (json_array_get (e, 1)));
      const char *third = json_string_value (json_array_get (e, 2));
      g_autofree char *arg = third != NULL ? substitute (h, third) : NULL;

      if (strcmp (type, "reg") == 0)
        {
          g_autoptr (GBytes) content = decode_content (arg != NULL ? arg : "");
          gsize len;
          const void *data = g_bytes_get_data (content, &len);
          tar_begin (t, AE_IFREG, name, 0644);
          tar_commit (t, data, len);
        }
      else if (strcmp (type, "dir") == 0)
        tar_dir (t, name, 0755);
      else if (strcmp (type, "symlink") == 0)
        tar_symlink (t, name, arg);
      else if (strcmp (type, "hardlink") == 0)
        tar_hardlink (t, name, arg);
      else if (strcmp (type, "chr") == 0 || strcmp (type, "blk") == 0)
        {
          /* Pier's own cases: "MAJOR,MINOR". */
          unsigned major, minor;
          struct archive_entry *entry = tar_begin (t, type[0] == 'c' ? AE_IFCHR : AE_IFBLK, name,
                                                   0666);
          assert_int_equal (sscanf (arg, "%u,%u", &major, &minor), 2);
          archive_entry_set_rdev (entry, makedev (major, minor));
          tar_commit (t, NULL, 0);
        }
      else
        fail_msg ("unknown entry type %s", type);
    }
  return tar_finish (t);
}

/* Makes the case's "pre" state in dest with plain calls: the state is trusted, only the
 * archive is not. */
static void
create_pre (Harness *h, json_t *pre)
{
  size_t i;
  json_t *e;

  json_array_foreach (pre, i, e)
    {
      const char *type = json_string_value (json_array_get (e, 0));
      const char *raw = json_string_value (json_array_get (e, 1));
      const char *arg = json_string_value (json_array_get (e, 2));
      g_autofree char *name = NULL;
      char *cut;

      while (*raw == '/')
        raw++;
      name = g_strdup (raw);
      /* "run/existing (optional)": made, so that the link through /run has somewhere to go. */
      if ((cut = strstr (name, " (")) != NULL)
        *cut = '\0';
      if (g_str_has_suffix (name, "/"))
        name[strlen (name) - 1] = '\0';
      for (char *slash = strchr (name, '/'); slash != NULL; slash = strchr (slash + 1, '/'))
        {
          *slash = '\0';
          if (mkdirat (h->dest_fd, name, 0755) < 0)
            assert_int_equal (errno, EEXIST);
          *slash = '/';
        }
      if (strcmp (type, "dir") == 0)
        {
          if (mkdirat (h->dest_fd, name, 0755) < 0)
            assert_int_equal (errno, EEXIST);
        }
      else if (strcmp (type, "reg") == 0)
        write_file_at (h->dest_fd, name, arg, 0644);
      else if (strcmp (type, "symlink") == 0)
        assert_int_equal (symlinkat (arg, h->dest_fd, name), 0);
      else if (strcmp (type, "hardlink") == 0)
        assert_int_equal (linkat (h->dest_fd, arg + (arg[0] == '/'), h->dest_fd, name, 0), 0);
      else
        fail_msg ("unknown pre type %s", type);
    }
}

/* ---- what Pier does with each case ---- */

typedef struct {
  const char *name;
  /* Refused, with PIER_ERROR_UNSAFE or PIER_ERROR_INVALID. */
  gboolean refused;
  void (*check) (Harness *h);
  guint runs;
} Expectation;

typedef struct {
  const char *name;
  void (*run) (json_t *c);
  guint runs;
} SpecialCase;

static void
check_no_grab (Harness *h)
{
  assert_absent (h->dest_fd, "grab");
}

static void
check_hardlink_to_symlink (Harness *h)
{
  g_autofree char *target = readlink_in_root (h->dest_fd, "symlink2");

  assert_non_null (target);
  assert_string_equal (target, "regfile");
  assert_same_inode (h->dest_fd, "symlink1", "symlink2", FALSE);
  assert_type (h->dest_fd, "regfile", S_IFREG);
}

static void
check_absolute_hardlink (Harness *h)
{
  assert_same_inode (h->dest_fd, "usr/bin/perlbug", "usr/bin/perlthanks", FALSE);
  assert_content (h->dest_fd, "usr/bin/perlthanks", "hello");
}

static void
check_absolute_symlink_is_data (Harness *h)
{
  g_autofree char *target = readlink_in_root (h->dest_fd, "slash-dotdot");
  struct stat st;

  assert_non_null (target);
  assert_string_equal (target, "/../victim/hello");
  /* Inside the root it leads to dest/victim/hello, which does not exist. */
  assert_false (stat_in_root (h->dest_fd, "slash-dotdot", TRUE, &st));
}

static void
check_invalid_whiteout_message (Harness *h)
{
  assert_non_null (strstr (h->error->message, "invalid whiteout entry"));
}

static void
check_through_absolute_symlink (Harness *h)
{
  assert_type (h->dest_fd, "var/run", S_IFLNK);
  assert_content (h->dest_fd, "run/existing/non-existing/file", "content");
}

static void
check_relative_escape (Harness *h)
{
  assert_absent (h->dest_fd, "target");
  assert_type (h->dest_fd, "absolute", S_IFLNK);
  assert_type (h->dest_fd, "escape/absolute", S_IFDIR);
  assert_type (h->dest_fd, "escape/absolute/file", S_IFREG);
}

static void
check_unbroken (Harness *h)
{
  assert_type (h->dest_fd, "etc", S_IFDIR);
  assert_content (h->dest_fd, "etc/unbroken", "unbroken");
}

static void
check_emptied (Harness *h)
{
  assert_type (h->dest_fd, "localetc", S_IFLNK);
  assert_content (h->dest_fd, "etc/emptied", "");
}

static void
check_localpasswd (Harness *h)
{
  assert_same_inode (h->dest_fd, "localpasswd", "etc/passwd", FALSE);
  assert_content (h->dest_fd, "etc/passwd", "inside");
}

static void
check_localetc_localpasswd (Harness *h)
{
  assert_same_inode (h->dest_fd, "localetc/localpasswd", "etc/passwd", FALSE);
  assert_content (h->dest_fd, "etc/passwd", "inside");
}

static void
check_localetc_dir_localpasswd (Harness *h)
{
  assert_type (h->dest_fd, "localetc", S_IFDIR);
  check_localetc_localpasswd (h);
}

static void
check_localetc_link_localpasswd (Harness *h)
{
  assert_type (h->dest_fd, "localetc", S_IFLNK);
  check_localetc_localpasswd (h);
}

static void
check_dir_replaces_symlink (Harness *h)
{
  struct stat a, b;

  assert_type (h->dest_fd, "localetc", S_IFDIR);
  assert_content (h->dest_fd, "localetc/localpasswd", "different");
  assert_content (h->dest_fd, "etc/passwd", "inside");
  assert_true (stat_in_root (h->dest_fd, "localetc/localpasswd", FALSE, &a));
  assert_true (stat_in_root (h->dest_fd, "etc/passwd", FALSE, &b));
  assert_true (a.st_ino != b.st_ino);
}

static void
check_passwd_inside (Harness *h)
{
  assert_content (h->dest_fd, "etc/passwd", "inside");
}

static void
check_whiteout_symlink (Harness *h)
{
  assert_absent (h->dest_fd, "localetc");
  assert_content (h->dest_fd, "etc/passwd", "all users");
}

static void
check_whiteout_symlink_path (Harness *h)
{
  assert_type (h->dest_fd, "localetc", S_IFLNK);
  assert_absent (h->dest_fd, "etc/whitedout");
  assert_content (h->dest_fd, "etc/passwd", "all users");
}

static void
check_whiteout_directory_name (Harness *h)
{
  assert_content (h->dest_fd, ".wh.etc/somefile", "non-empty");
  assert_content (h->dest_fd, "etc/passwd", "all users");
}

static void
check_whiteout_dead_symlink_parent (Harness *h)
{
  assert_type (h->dest_fd, "localetc", S_IFLNK);
  assert_content (h->dest_fd, "etc/passwd", "all users");
  assert_absent (h->dest_fd, "dne");
}

static void
check_whiteout_relative_path (Harness *h)
{
  assert_absent (h->dest_fd, "etc");
  assert_type (h->dest_fd, "localetc", S_IFLNK);
}

static void
check_symlink_override_path (Harness *h)
{
  g_autofree char *final = g_build_filename ("foo/tmp", h->breakout_name, NULL);
  g_autofree char *through_link = g_build_filename ("tmp", h->breakout_name, NULL);

  assert_type (h->dest_fd, "foo", S_IFDIR);
  assert_content_len (h->dest_fd, final, "\x06\x07\x08", 3);
  /* The write through foo -> / landed in the root's own tmp/. */
  assert_content_len (h->dest_fd, through_link, "\x03\x04\x05", 3);
}

static void
check_hardlink_symlink_before_target (Harness *h)
{
  assert_type (h->dest_fd, "localpasswd-dup", S_IFLNK);
  assert_same_inode (h->dest_fd, "localpasswd-dup", "localpasswd", FALSE);
  assert_same_inode (h->dest_fd, "localpasswd-dup", "etc/passwd", TRUE);
  assert_content (h->dest_fd, "localpasswd-dup", "after");
}

static void
check_hardlink_symlink_absolute (Harness *h)
{
  g_autofree char *target = readlink_in_root (h->dest_fd, "localpasswd");

  assert_non_null (target);
  assert_string_equal (target, "/etc/passwd");
  assert_same_inode (h->dest_fd, "localpasswd", "passwdlink", FALSE);
}

static void
check_hardlink_symlink_chmod (Harness *h)
{
  assert_type (h->dest_fd, "sketchylink", S_IFLNK);
  assert_same_inode (h->dest_fd, "sketchylink", "also-exists-outside-root", FALSE);
  /* perm400 outside keeping its mode is checked with everything else outside. */
}

static void
check_climbing_symlink_is_data (Harness *h)
{
  g_autofree char *target = readlink_in_root (h->dest_fd, "dotdot");

  assert_non_null (target);
  assert_string_equal (target, "../victim/hello");
  /* Resolved inside the root, it names dest/victim/hello, which does not exist. */
  assert_absent (h->dest_fd, "victim/hello");
}

/* A write through loophole-victim -> ../victim lands in dest's own victim/. */
static void
check_through_loophole (Harness *h)
{
  assert_type (h->dest_fd, "loophole-victim", S_IFLNK);
  assert_type (h->dest_fd, "victim/file", S_IFREG);
}

static void
check_symlink_through_loophole (Harness *h)
{
  g_autofree char *target = readlink_in_root (h->dest_fd, "symlink");

  assert_non_null (target);
  assert_string_equal (target, "loophole-victim/hello");
}

static void
check_file_replaces_loophole (Harness *h)
{
  assert_type (h->dest_fd, "loophole-victim", S_IFREG);
}

static void
check_deep_loophole (Harness *h)
{
  assert_type (h->dest_fd, "dir/loophole", S_IFLNK);
  assert_type (h->dest_fd, "victim/newdir/newfile", S_IFREG);
}

static void
check_two_hop_chain (Harness *h)
{
  assert_type (h->dest_fd, "inner/go_up", S_IFLNK);
  assert_type (h->dest_fd, "escape", S_IFLNK);
  assert_type (h->dest_fd, "victim/newfile", S_IFREG);
}

static void
check_breakouts_mypasswd (Harness *h)
{
  assert_type (h->dest_fd, "breakouts/d1", S_IFLNK);
  assert_same_inode (h->dest_fd, "breakouts/mypasswd", "etc/passwd", FALSE);
  assert_content (h->dest_fd, "breakouts/mypasswd", "inside");
}

static void
check_hardlink_symlink_relative (Harness *h)
{
  g_autofree char *target = readlink_in_root (h->dest_fd, "localpasswd");

  assert_non_null (target);
  assert_string_equal (target, "../../../../../etc/passwd");
  assert_same_inode (h->dest_fd, "localpasswd", "passwdlink", FALSE);
  assert_content (h->dest_fd, "localpasswd", "inside");
}

/* Where Pier's policy departs from the tool a case comes from:
 *
 * - Symlink targets are data, as in every other runtime: an absolute target or one that climbs
 *   past the root with ".." resolves inside the root, at run time and while extracting. So
 *   moby's TestUntarInvalidSymlink cases (loophole-victim -> ../victim, slash-dotdot ->
 *   /../victim/hello, ...) are created, and what is written through them lands in dest's own
 *   victim/ (or, for #4, a hardlink to dest/victim/hello, which does not exist, is refused);
 *   tmp/victim stays untouched.
 * - containerd's HardlinkRelativeUpAndOut (localetc -> upandout/../../../etc) is refused: the
 *   kernel resolves upandout/.. only when upandout exists, and it does not (containerd cleans
 *   the path as a string). HardlinkDirectRelative (a hardlink target
 *   ../../../../../etc/passwd), SymlinkParentDirectory (an entry named "..") and
 *   SymlinkEmptyFilename (a symlink named "", the root itself) are refused: names and hardlink
 *   targets may not climb above the root.
 * Each still checks that nothing outside dest changed. */
static Expectation moby_expectations[] = {
  { "TestUntarInvalidFilenames#0", TRUE, NULL },
  { "TestUntarInvalidFilenames#1", TRUE, NULL },
  { "TestUntarParentTraversalContained", TRUE, NULL },
  { "TestUntarSiblingPrefixContained", TRUE, check_no_grab },
  { "TestUntarHardlinkToSymlink", FALSE, check_hardlink_to_symlink },
  { "TestUntarInvalidHardlink#0", TRUE, NULL },
  { "TestUntarInvalidHardlink#1", TRUE, NULL },
  { "TestUntarInvalidHardlink#2", TRUE, NULL },
  { "TestUntarInvalidHardlink#3", TRUE, NULL },
  { "TestUntarInvalidHardlink#4", TRUE, NULL },
  { "TestUntarInvalidHardlink#5", TRUE, NULL },
  { "TestUntarAbsoluteHardlink", FALSE, check_absolute_hardlink },
  { "TestUntarInvalidSymlink#0", FALSE, check_climbing_symlink_is_data },
  { "TestUntarInvalidSymlink#1", FALSE, check_absolute_symlink_is_data },
  { "TestUntarInvalidSymlink#2", FALSE, check_through_loophole },
  { "TestUntarInvalidSymlink#3", FALSE, check_symlink_through_loophole },
  { "TestUntarInvalidSymlink#4", TRUE, NULL },
  { "TestUntarInvalidSymlink#5", FALSE, check_file_replaces_loophole },
  { "TestUntarInvalidSymlink#6", FALSE, check_deep_loophole },
  { "TestUntarSymlinkBreakout (two-hop chain)", FALSE, check_two_hop_chain },
  { "TestUntarThroughAbsoluteSymlink", FALSE, check_through_absolute_symlink },
  { "TestUnpackRejectsRelativeEscapeBeforeAbsoluteSymlink", FALSE, check_relative_escape },
  { "TestOverlayUntarInvalidWhiteoutNames", TRUE, check_invalid_whiteout_message },
  { NULL }
};

static Expectation containerd_expectations[] = {
  { "SymlinkAbsolute", FALSE, check_unbroken },
  { "SymlinkUpAndOut", FALSE, check_unbroken },
  { "SymlinkMultipleAbsolute", FALSE, check_unbroken },
  { "SymlinkMultipleRelative", FALSE, check_unbroken },
  { "SymlinkEmptyFile", FALSE, check_emptied },
  { "HardlinkRelative", FALSE, check_breakouts_mypasswd },
  { "HardlinkDownAndOut", FALSE, check_breakouts_mypasswd },
  { "HardlinkAbsolute", FALSE, check_localpasswd },
  { "HardlinkRelativeLong", FALSE, check_localpasswd },
  { "HardlinkRelativeUpAndOut", TRUE, NULL },
  { "HardlinkDirectRelative", TRUE, NULL },
  { "HardlinkDirectAbsolute", FALSE, check_localpasswd },
  { "SymlinkParentDirectory", TRUE, NULL },
  { "SymlinkEmptyFilename", TRUE, NULL },
  { "SymlinkParentRelative", FALSE, check_localetc_link_localpasswd },
  { "SymlinkSlashEnded", FALSE, check_localetc_dir_localpasswd },
  { "SymlinkOverrideDirectory", FALSE, check_localetc_link_localpasswd },
  { "SymlinkOverrideDirectoryRelative", FALSE, check_localetc_link_localpasswd },
  { "DirectoryOverrideSymlink", FALSE, check_localetc_dir_localpasswd },
  { "DirectoryOverrideSymlinkAndHardlink", FALSE, check_dir_replaces_symlink },
  { "WhiteoutRootParent", TRUE, check_passwd_inside },
  { "WhiteoutParent", TRUE, check_passwd_inside },
  { "WhiteoutRoot", TRUE, check_passwd_inside },
  { "WhiteoutCurrentDirectory", TRUE, check_passwd_inside },
  { "WhiteoutSymlink", FALSE, check_whiteout_symlink },
  { "WhiteoutSymlinkPath", FALSE, check_whiteout_symlink_path },
  { "WhiteoutDirectoryName", FALSE, check_whiteout_directory_name },
  { "WhiteoutDeadSymlinkParent", FALSE, check_whiteout_dead_symlink_parent },
  { "WhiteoutRelativePath", FALSE, check_whiteout_relative_path },
  { "SymlinkOverridePath", FALSE, check_symlink_override_path },
  { "HardlinkSymlinkBeforeCreateTarget", FALSE, check_hardlink_symlink_before_target },
  { "HardlinkSymlinkRelative", FALSE, check_hardlink_symlink_relative },
  { "HardlinkSymlinkAbsolute", FALSE, check_hardlink_symlink_absolute },
  { "HardlinkSymlinkChmod", FALSE, check_hardlink_symlink_chmod },
  { NULL }
};

/* One archive of a case, in the harness; cases with a "pre" state are applied onto it. */
static void
run_entries (Expectation *x, json_t *c, json_t *entries)
{
  json_t *pre = json_object_get (c, "pre");
  PierUnpackOptions options = { .preserve_owner = TRUE };
  g_autoptr (GBytes) tar = NULL;
  Harness h;
  gboolean ok;

  harness_init (&h, c);
  if (pre != NULL)
    create_pre (&h, pre);
  tar = build_case_tar (&h, entries);
  options.mode = pre != NULL ? PIER_UNPACK_APPLY : PIER_UNPACK_OVERLAY;
  ok = unpack_confined (&h, tar, &options);
  if (x->refused)
    {
      if (ok)
        fail_msg ("%s: extracted, but Pier must refuse it", x->name);
      /* NOT_FOUND: a link that resolves, inside the root, to nothing. */
      if (h.error->code != PIER_ERROR_UNSAFE && h.error->code != PIER_ERROR_INVALID
          && h.error->code != PIER_ERROR_NOT_FOUND)
        fail_msg ("%s: refused for the wrong reason: %s", x->name, h.error->message);
    }
  else if (!ok)
    fail_msg ("%s: %s", x->name, h.error->message);
  if (x->check != NULL)
    x->check (&h);
  harness_check_outside (&h);
  harness_clear (&h);
  x->runs++;
}

static void
run_expectation (Expectation *x, json_t *c)
{
  json_t *variants = json_object_get (c, "entries_variants");
  size_t i;
  json_t *v;

  if (variants == NULL)
    {
      run_entries (x, c, json_object_get (c, "entries"));
      return;
    }
  json_array_foreach (variants, i, v)
    run_entries (x, c, v);
  assert_int_equal (x->runs, json_array_size (variants));
}

/* "blk major=2^32" and the like: refused before any node is made. The same numbers on a
 * character device must not pass for a 0:0 whiteout either. */
static void
run_device_ranges (json_t *c)
{
  json_t *variants = json_object_get (c, "entries_variants");
  size_t i;
  json_t *v;

  assert_int_equal (json_array_size (variants), 4);
  json_array_foreach (variants, i, v)
    {
      g_auto (GStrv) words = g_strsplit (json_string_value (json_array_get (v, 0)), " ", -1);
      const char *value = strchr (words[1], '=') + 1;
      dev_t number = 0;

      assert_string_equal (words[0], "blk");
      if (strcmp (value, "2^32") == 0)
        number = (dev_t) 1 << 32;
      else if (strcmp (value, "-1") == 0)
        number = (dev_t) -1;
      else
        fail_msg ("unknown device number %s", value);

      for (int chr = 0; chr <= 1; chr++)
        {
          g_autoptr (GBytes) tar = NULL;
          g_autofree char *listing = NULL;
          TarBuilder *t = tar_new ();
          struct archive_entry *e = tar_begin (t, chr ? AE_IFCHR : AE_IFBLK, "dev", 0600);
          Harness h;

          if (g_str_has_prefix (words[1], "major="))
            archive_entry_set_rdevmajor (e, number);
          else
            archive_entry_set_rdevminor (e, number);
          tar_commit (t, NULL, 0);
          tar = tar_finish (t);

          harness_init (&h, c);
          assert_false (unpack_confined (&h, tar, NULL));
          pier_assert_error (h.error, PIER_ERROR_UNSAFE);
          listing = tree_listing (h.dest_fd);
          assert_string_equal (listing, "victim/");
          harness_check_outside (&h);
          harness_clear (&h);
        }
    }
}

/* Builds a layer from names (directories end with "/"; files hold their own name). */
static GBytes *
layer_from_names (json_t *names, const char *const *modes)
{
  TarBuilder *t = tar_new ();
  size_t i;
  json_t *n;

  json_array_foreach (names, i, n)
    {
      const char *name = json_string_value (n);
      if (g_str_has_suffix (name, "/"))
        {
          mode_t mode = 0755;
          for (const char *const *m = modes; m != NULL && *m != NULL; m += 2)
            if (strcmp (m[0], name) == 0)
              mode = strtoul (m[1], NULL, 8);
          tar_dir (t, name, mode);
        }
      else
        tar_file (t, name, name);
    }
  return tar_finish (t);
}

static void
run_overlay_tar_untar (json_t *c)
{
  static const char *const modes[] = { "d1/", "0700", "d2/", "0750", NULL };

  for (int userxattr = 0; userxattr <= 1; userxattr++)
    {
      const char *opaque = userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
      PierUnpackOptions options = { .mode = PIER_UNPACK_OVERLAY, .preserve_owner = TRUE,
                                    .userxattr = userxattr };
      g_autofree char *tmp = pier_test_mkdtemp ();
      pier_autofd int dest = make_dest (tmp, "layer");
      g_autoptr (GBytes) tar = layer_from_names (json_object_get (c, "layer"), modes);
      g_autoptr (GError) error = NULL;
      g_autofree char *listing = NULL;
      g_autofree char *d1 = NULL, *d2 = NULL, *d3 = NULL;
      struct stat st;

      assert_true (unpack_full (tar, dest, &options, NULL, &error));
      pier_assert_no_error (error);
      listing = tree_listing (dest);
      assert_string_equal (listing, "d1/ d1/f1 d2/ d2/f1 d3/ d3/f1");
      d1 = get_xattr (dest, "d1", opaque);
      d2 = get_xattr (dest, "d2", opaque);
      d3 = get_xattr (dest, "d3", opaque);
      assert_non_null (d1);
      assert_string_equal (d1, "y");
      assert_non_null (d2);
      assert_string_equal (d2, "y");
      assert_null (d3);
      assert_true (stat_in_root (dest, "d1", FALSE, &st));
      assert_int_equal (st.st_mode & 07777, 0700);
      assert_true (stat_in_root (dest, "d2", FALSE, &st));
      assert_int_equal (st.st_mode & 07777, 0750);
      assert_type (dest, "d1/f1", S_IFREG);
      assert_whiteout (dest, "d3/f1");
      pier_test_rm_rf (tmp);
    }
}

static void
run_apply_layer_whiteouts (json_t *c)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  pier_autofd int dest = make_dest (tmp, "rootfs");
  json_t *layers = json_object_get (c, "layers");
  size_t i;
  json_t *layer;

  assert_int_equal (json_array_size (layers), 4);
  json_array_foreach (layers, i, layer)
    {
      g_autoptr (GBytes) tar = layer_from_names (json_object_get (layer, "change"), NULL);
      g_autoptr (GPtrArray) expected = g_ptr_array_new ();
      g_autoptr (GError) error = NULL;
      g_autofree char *expected_listing = NULL;
      g_autofree char *listing = NULL;
      size_t j;
      json_t *name;

      assert_true (unpack_mode (tar, dest, PIER_UNPACK_APPLY, &error));
      pier_assert_no_error (error);
      json_array_foreach (json_object_get (layer, "expected"), j, name)
        g_ptr_array_add (expected, (gpointer) json_string_value (name));
      g_ptr_array_sort (expected, compare_strings);
      g_ptr_array_add (expected, NULL);
      expected_listing = g_strjoinv (" ", (char **) expected->pdata);
      listing = tree_listing (dest);
      if (strcmp (listing, expected_listing) != 0)
        fail_msg ("after layer %zu:\n  got      %s\n  expected %s", i + 1, listing,
                  expected_listing);
    }
  pier_test_rm_rf (tmp);
}

static void
set_times_at (int dir_fd, const char *path, time_t atime, time_t mtime)
{
  struct timespec times[2] = { { atime, 0 }, { mtime, 0 } };

  assert_int_equal (utimensat (dir_fd, path, times, AT_SYMLINK_NOFOLLOW), 0);
}

static void
assert_times_at (int dir_fd, const char *path, time_t atime, time_t mtime)
{
  struct stat st;

  assert_int_equal (fstatat (dir_fd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
  assert_int_equal (st.st_atime, atime);
  assert_int_equal (st.st_mtime, mtime);
}


/* umoci TestUnpackEntryWhiteout: whiteouts of files, hidden files and directories with their
 * content remove them, leave the parent's times alone, and ".wh." alone names nothing. */
static void
run_umoci_entry_whiteout (json_t *c)
{
  static const char *const lower[] = { "file", ".hidden", "dir/sub/a", "dir/b", "keep",
                                       "some/path/x", "some/path/y", NULL };
  g_autofree char *tmp = pier_test_mkdtemp ();
  pier_autofd int dest = make_dest (tmp, "rootfs");
  pier_autofd int fresh = make_dest (tmp, "layer");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) tar = NULL;
  g_autofree char *listing = NULL;
  TarBuilder *t = tar_new ();

  tar_file (t, ".wh.file", "");
  tar_file (t, ".wh..hidden", "");
  tar_file (t, ".wh.dir", "");
  tar_file (t, "some/path/.wh.x", "");
  tar = tar_finish (t);

  make_tree (dest, lower);
  set_times_at (dest, "some/path", 1000, 2000);
  set_times_at (dest, ".", 3000, 4000);
  assert_true (unpack_mode (tar, dest, PIER_UNPACK_APPLY, &error));
  pier_assert_no_error (error);
  /* Before listing, which reads the directories and so moves their access times. */
  assert_times_at (dest, "some/path", 1000, 2000);
  assert_times_at (dest, ".", 3000, 4000);
  listing = tree_listing (dest);
  assert_string_equal (listing, "keep some/ some/path/ some/path/y");

  /* The same layer unpacked for overlayfs: whiteouts, not deletions. */
  assert_true (unpack_mode (tar, fresh, PIER_UNPACK_OVERLAY, &error));
  pier_assert_no_error (error);
  assert_whiteout (fresh, "file");
  assert_whiteout (fresh, ".hidden");
  assert_whiteout (fresh, "dir");
  assert_whiteout (fresh, "some/path/x");

  for (int deep = 0; deep <= 1; deep++)
    for (int mode = PIER_UNPACK_OVERLAY; mode <= PIER_UNPACK_APPLY; mode++)
      {
        g_autoptr (GBytes) bad = NULL;
        g_autoptr (GError) bad_error = NULL;
        TarBuilder *b = tar_new ();

        tar_file (b, deep ? "some/path/.wh." : ".wh.", "");
        bad = tar_finish (b);
        assert_false (unpack_mode (bad, dest, mode, &bad_error));
        pier_assert_error (bad_error, PIER_ERROR_UNSAFE);
        assert_non_null (strstr (bad_error->message, "invalid whiteout entry"));
      }
  pier_test_rm_rf (tmp);
}

/* umoci TestUnpackOpaqueWhiteout: an opaque marker or a whiteout hides only what lower layers
 * hold; what the same layer supplies stays, before or after the marker in the stream. */
static void
run_umoci_opaque_whiteout (json_t *c)
{
  static const char *const lower[] = { "dir/a", "dir/sub/b", "dir/lower-dir/c", "fileB",
                                       "fileC", NULL };
  g_autofree char *tmp = pier_test_mkdtemp ();
  pier_autofd int dest = make_dest (tmp, "rootfs");
  pier_autofd int fresh = make_dest (tmp, "layer");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) tar = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *opaque_d = NULL, *opaque_e = NULL;
  TarBuilder *t = tar_new ();

  tar_dir (t, "dir/", 0755);
  tar_file (t, "dir/x", "upper");
  tar_dir (t, "dir/sub/", 0755);
  tar_file (t, "dir/.wh..wh..opq", "");
  tar_file (t, "dir/y", "upper");
  tar_file (t, ".wh.fileB", "");
  tar_file (t, "fileB", "upper");
  tar_file (t, "fileC", "upper");
  tar_file (t, ".wh.fileC", "");
  tar_dir (t, "dirD/", 0755);
  tar_file (t, "dirD/z", "upper");
  tar_file (t, ".wh.dirD", "");
  tar_file (t, ".wh.dirE", "");
  tar_dir (t, "dirE/", 0755);
  tar = tar_finish (t);

  make_tree (dest, lower);
  assert_true (unpack_mode (tar, dest, PIER_UNPACK_APPLY, &error));
  pier_assert_no_error (error);
  listing = tree_listing (dest);
  assert_string_equal (listing, "dir/ dir/sub/ dir/x dir/y dirD/ dirD/z dirE/ fileB fileC");
  assert_content (dest, "fileB", "upper");
  assert_content (dest, "fileC", "upper");

  /* For overlayfs: the layer's own names stay; a directory that the layer both whites out and
   * supplies hides the lower one (opaque). */
  assert_true (unpack_mode (tar, fresh, PIER_UNPACK_OVERLAY, &error));
  pier_assert_no_error (error);
  g_free (listing);
  listing = tree_listing (fresh);
  assert_string_equal (listing, "dir/ dir/sub/ dir/x dir/y dirD/ dirD/z dirE/ fileB fileC");
  assert_content (fresh, "fileB", "upper");
  assert_content (fresh, "fileC", "upper");
  opaque_d = get_xattr (fresh, "dirD", "trusted.overlay.opaque");
  opaque_e = get_xattr (fresh, "dirE", "trusted.overlay.opaque");
  assert_non_null (opaque_d);
  assert_string_equal (opaque_d, "y");
  assert_non_null (opaque_e);
  assert_string_equal (opaque_e, "y");
  pier_test_rm_rf (tmp);
}

static SpecialCase special_cases[] = {
  { "TestHandleTarTypeBlockCharFifoDeviceRange", run_device_ranges },
  { "TestOverlayTarUntar", run_overlay_tar_untar },
  { "TestApplyLayerWhiteouts (apply 4 layers in sequence to one dir, compare sorted listing; dirs end with /)",
    run_apply_layer_whiteouts },
  { "TestUnpackEntryWhiteout", run_umoci_entry_whiteout },
  { "TestUnpackOpaqueWhiteout", run_umoci_opaque_whiteout },
  { NULL }
};

/* Runs every case of one section of the case file; each must be known here. */
static void
run_section (json_t *cases, const char *key, Expectation *expectations)
{
  size_t i;
  json_t *c;

  assert_true (json_is_array (cases));
  json_array_foreach (cases, i, c)
    {
      const char *name = json_string_value (json_object_get (c, key));
      gboolean found = FALSE;

      assert_non_null (name);
      for (Expectation *x = expectations; x != NULL && x->name != NULL && !found; x++)
        if (strcmp (x->name, name) == 0)
          {
            assert_int_equal (x->runs, 0);
            run_expectation (x, c);
            found = TRUE;
          }
      for (SpecialCase *s = special_cases; s->name != NULL && !found; s++)
        if (strcmp (s->name, name) == 0)
          {
            assert_int_equal (s->runs, 0);
            s->run (c);
            s->runs++;
            found = TRUE;
          }
      if (!found)
        fail_msg ("case “%s” has no expectation here", name);
    }
  for (Expectation *x = expectations; x != NULL && x->name != NULL; x++)
    if (x->runs == 0)
      fail_msg ("expectation “%s” matched no case", x->name);
}

static json_t *
load_cases (const char *path)
{
  json_error_t jerror;
  json_t *root = json_load_file (path, 0, &jerror);

  if (root == NULL)
    fail_msg ("%s:%d: %s", path, jerror.line, jerror.text);
  return root;
}

static void
test_layer_unpack_moby_cases (void **state)
{
  PIER_TEST_REQUIRE_TESTDATA (path, CASES_FILE);
  json_t *root = load_cases (path);
  json_t *cases = json_object_get (root, "moby_go_archive");

  assert_int_equal (json_array_size (cases), 26);
  run_section (cases, "test", moby_expectations);
  for (SpecialCase *s = special_cases; s < special_cases + 3; s++)
    assert_int_equal (s->runs, 1);
  json_decref (root);
}

static void
test_layer_unpack_containerd_breakouts (void **state)
{
  PIER_TEST_REQUIRE_TESTDATA (path, CASES_FILE);
  json_t *root = load_cases (path);
  json_t *cases = json_object_get (json_object_get (root, "containerd_TestBreakouts"), "cases");

  assert_int_equal (json_array_size (cases), 34);
  run_section (cases, "name", containerd_expectations);
  json_decref (root);
}

static void
test_layer_unpack_umoci_whiteouts (void **state)
{
  PIER_TEST_REQUIRE_TESTDATA (path, CASES_FILE);
  json_t *root = load_cases (path);
  json_t *cases = json_object_get (root, "umoci_whiteout_semantics");

  assert_int_equal (json_array_size (cases), 2);
  run_section (cases, "test", NULL);
  assert_int_equal (special_cases[3].runs, 1);
  assert_int_equal (special_cases[4].runs, 1);
  json_decref (root);
}

/* ---- Pier's own breakout cases, which need no ../shared/testdata ---- */

static const char own_cases[] =
  "["
  "{\"test\": \"name climbs\", \"entries\": [[\"reg\", \"../escaped\", \"x\"]]},"
  "{\"test\": \"absolute name climbs\", \"entries\": [[\"reg\", \"/a/../../escaped\", \"x\"]]},"
  "{\"test\": \"hardlink climbs\", \"entries\": [[\"hardlink\", \"grab\", \"../victim/hello\"]]},"
  "{\"test\": \"hardlink through a link to the root\","
  "  \"entries\": [[\"symlink\", \"root\", \"/\"], [\"hardlink\", \"grab\", \"root/etc/passwd\"]]},"
  "{\"test\": \"write through an absolute link\","
  "  \"entries\": [[\"dir\", \"etc\", null], [\"symlink\", \"link\", \"/etc\"],"
  "               [\"reg\", \"link/passwd\", \"inside\"]]},"
  "{\"test\": \"write through a link that climbs past the root\","
  "  \"entries\": [[\"dir\", \"tmp\", null], [\"symlink\", \"esc\", \"../../../../tmp\"],"
  "               [\"reg\", \"esc/x\", \"inside\"]]},"
  "{\"test\": \"write through a link to a missing directory\","
  "  \"entries\": [[\"symlink\", \"esc\", \"../../../../run/existing\"],"
  "               [\"reg\", \"esc/x\", \"inside\"]]},"
  "{\"test\": \"a file replaces a link to a host file\","
  "  \"entries\": [[\"symlink\", \"passwd\", \"../../etc/passwd\"], [\"reg\", \"passwd\", \"mine\"]]},"
  "{\"test\": \"device node\", \"entries\": [[\"chr\", \"console\", \"5,1\"]]}"
  "]";

static void
check_passwd_through_link (Harness *h)
{
  assert_type (h->dest_fd, "link", S_IFLNK);
  assert_content (h->dest_fd, "etc/passwd", "inside");
}

static void
check_esc (Harness *h)
{
  g_autofree char *target = readlink_in_root (h->dest_fd, "esc");

  assert_non_null (target);
  assert_string_equal (target, "../../../../tmp");
  assert_content (h->dest_fd, "tmp/x", "inside");
}

static void
check_link_replaced (Harness *h)
{
  assert_type (h->dest_fd, "passwd", S_IFREG);
  assert_content (h->dest_fd, "passwd", "mine");
}

static void
check_no_console (Harness *h)
{
  assert_absent (h->dest_fd, "console");
}

static Expectation own_expectations[] = {
  { "name climbs", TRUE, NULL },
  { "absolute name climbs", TRUE, NULL },
  { "hardlink climbs", TRUE, NULL },
  { "hardlink through a link to the root", TRUE, check_no_grab },
  { "write through an absolute link", FALSE, check_passwd_through_link },
  { "write through a link that climbs past the root", FALSE, check_esc },
  { "write through a link to a missing directory", TRUE, NULL },
  { "a file replaces a link to a host file", FALSE, check_link_replaced },
  { "device node", TRUE, check_no_console },
  { NULL }
};

static void
test_layer_unpack_own_breakouts (void **state)
{
  json_error_t jerror;
  json_t *cases = json_loads (own_cases, 0, &jerror);

  if (cases == NULL)
    fail_msg ("own cases, column %d: %s", jerror.column, jerror.text);
  run_section (cases, "test", own_expectations);
  json_decref (cases);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_layer_unpack_moby_cases),
    cmocka_unit_test (test_layer_unpack_containerd_breakouts),
    cmocka_unit_test (test_layer_unpack_umoci_whiteouts),
    cmocka_unit_test (test_layer_unpack_own_breakouts),
  };
  return cmocka_run_group_tests_name ("layer-breakouts", tests, NULL, NULL);
}
