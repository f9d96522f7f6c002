/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a container lets its processes do, asked of the kernel directly: each probe named on
 * the command line makes its system call and prints "NAME RESULT", RESULT being "ok" or the
 * errno's name (EPERM, ENOSYS...). Static, so that it runs in any image (busybox, scratch,
 * Podman's) and asks nothing of the image's tools.
 *
 *   seccomp        the Seccomp field of /proc/self/status (0 none, 2 a filter)
 *   add_key keyctl io_uring_setup personality af_packet mknod unshare_user clone3
 *   newer          mseal, a system call newer than every profile here names
 *   i386_add_key   add_key through the 32-bit entry (int 0x80), "unsupported" without it
 *   x32_add_key    add_key numbered for x32
 *   forks:N        forks up to N children that wait, prints how many it got and why it
 *                  stopped (ok: all N), then kills and reaps them all */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_MSEAL 462
#define X32_BIT 0x40000000L
#define I386_ADD_KEY 286

static void
result (const char *name, long rc)
{
  if (rc >= 0)
    printf ("%s ok\n", name);
  else
    printf ("%s %s\n", name, strerrorname_np (errno));
}

static void
seccomp_mode (void)
{
  char line[256];
  FILE *f = fopen ("/proc/self/status", "re");

  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, "Seccomp:", 8) == 0)
      printf ("seccomp %ld\n", strtol (line + 8, NULL, 10));
  if (f)
    fclose (f);
}

static void
io_uring (void)
{
  struct io_uring_params params;
  long fd;

  memset (&params, 0, sizeof params);
  fd = syscall (SYS_io_uring_setup, 1, &params);
  result ("io_uring_setup", fd);
  if (fd >= 0)
    close ((int) fd);
}

static void
read_implies_exec (void)
{
  int old = personality (0xffffffff);
  long rc = personality (READ_IMPLIES_EXEC);

  result ("personality", rc);
  if (rc >= 0)
    personality ((unsigned long) old);
}

static void
packet_socket (void)
{
  int fd = socket (AF_PACKET, SOCK_RAW, htons (ETH_P_ALL));

  result ("af_packet", fd);
  if (fd >= 0)
    close (fd);
}

static void
device_node (void)
{
  const char *path = "/tmp/pier-probe-null";
  long rc = mknod (path, S_IFCHR | 0600, makedev (1, 3));

  result ("mknod", rc);
  if (rc == 0)
    unlink (path);
}

/* In a child, so that the probe itself stays where it is. */
static void
in_child (const char *name, long (*call) (void))
{
  pid_t pid = fork ();
  int status;

  if (pid == 0)
    _exit (call () < 0 ? errno : 0);
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    {
      result (name, -1);
      return;
    }
  if (WIFSIGNALED (status))
    printf ("%s unsupported\n", name);
  else if (WEXITSTATUS (status) == 0)
    printf ("%s ok\n", name);
  else
    printf ("%s %s\n", name, strerrorname_np (WEXITSTATUS (status)));
}

static long
new_user_namespace (void)
{
  return unshare (CLONE_NEWUSER);
}

static long
i386_add_key (void)
{
#ifdef __x86_64__
  /* The 32-bit entry truncates pointers to 32 bits: the strings live below 4 GiB. */
  char *low = mmap (NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                    -1, 0);
  long rc;

  if (low == MAP_FAILED)
    return -1;
  strcpy (low, "user");
  strcpy (low + 16, "pier-probe");
  __asm__ volatile ("int $0x80"
                    : "=a"(rc)
                    : "a"((long) I386_ADD_KEY), "b"((long) low), "c"((long) (low + 16)),
                      "d"((long) low), "S"(1L), "D"((long) KEY_SPEC_PROCESS_KEYRING)
                    : "memory");
  if (rc < 0)
    {
      errno = (int) -rc;
      return -1;
    }
  return rc;
#else
  raise (SIGKILL);
  return -1;
#endif
}

static void
newer (void)
{
  void *page = mmap (NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  result ("newer", syscall (NR_MSEAL, page, 4096, 0));
}

static void
fork_bomb (const char *name, long limit)
{
  pid_t *children = calloc ((size_t) limit, sizeof (pid_t));
  long n = 0;
  int errsv = 0;

  for (; children && n < limit; n++)
    {
      pid_t pid = fork ();
      if (pid == 0)
        {
          pause ();
          _exit (0);
        }
      if (pid < 0)
        {
          errsv = errno;
          break;
        }
      children[n] = pid;
    }
  printf ("%s %ld %s\n", name, n, errsv ? strerrorname_np (errsv) : "ok");
  for (long i = 0; i < n; i++)
    kill (children[i], SIGKILL);
  for (long i = 0; i < n; i++)
    waitpid (children[i], NULL, 0);
  free (children);
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++)
    {
      const char *p = argv[i];

      errno = 0;
      if (strcmp (p, "seccomp") == 0)
        seccomp_mode ();
      else if (strcmp (p, "add_key") == 0)
        result (p, syscall (SYS_add_key, "user", "pier-probe", "x", 1,
                            KEY_SPEC_PROCESS_KEYRING));
      else if (strcmp (p, "keyctl") == 0)
        result (p, syscall (SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
      else if (strcmp (p, "io_uring_setup") == 0)
        io_uring ();
      else if (strcmp (p, "personality") == 0)
        read_implies_exec ();
      else if (strcmp (p, "af_packet") == 0)
        packet_socket ();
      else if (strcmp (p, "mknod") == 0)
        device_node ();
      else if (strcmp (p, "unshare_user") == 0)
        in_child (p, new_user_namespace);
      else if (strcmp (p, "clone3") == 0)
        result (p, syscall (SYS_clone3, NULL, 0));
      else if (strcmp (p, "newer") == 0)
        newer ();
      else if (strcmp (p, "i386_add_key") == 0)
        in_child (p, i386_add_key);
      else if (strcmp (p, "x32_add_key") == 0)
        result (p, syscall (X32_BIT | SYS_add_key, "user", "pier-probe", "x", 1,
                            KEY_SPEC_PROCESS_KEYRING));
      else if (strncmp (p, "forks:", 6) == 0 && atol (p + 6) > 0 && atol (p + 6) <= 10000)
        fork_bomb ("forks", atol (p + 6));
      else
        {
          fprintf (stderr, "confinement-probe: unknown probe “%s”\n", p);
          return 2;
        }
    }
  return 0;
}
