/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-bridge-firewall-private.h"

#include "pier-fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define BRIDGE_NF_CALL_IPTABLES "/proc/sys/net/bridge/bridge-nf-call-iptables"
#define FORWARD_MARKER ".forward-accepted"

static gboolean
bridged_frames_meet_iptables (void)
{
  g_autofree char *value = NULL;

  /* Absent: br_netfilter is not loaded, and iptables never sees bridged frames. */
  if (!g_file_get_contents (BRIDGE_NF_CALL_IPTABLES, &value, NULL, NULL))
    return FALSE;
  return g_strstrip (value)[0] == '1';
}

static gboolean
run_iptables (const char *action, const char *bridge, int *exit_status, GError **error)
{
  const char *argv[] = { "iptables", "-w", action, "FORWARD", "-i", bridge, "-o", bridge,
                         "-j", "ACCEPT", NULL };
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, error))
    return FALSE;
  *exit_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  return TRUE;
}

void
pier_bridge_firewall_accept (const char *bridge, int dirfd)
{
  g_autoptr (GError) error = NULL;
  pier_autofd int marker = -1;
  int status;

  if (faccessat (dirfd, FORWARD_MARKER, F_OK, AT_SYMLINK_NOFOLLOW) == 0
      || !bridged_frames_meet_iptables ())
    return;
  /* -C first: another start may have put it in before this one took the lock. */
  if (!run_iptables ("-C", bridge, &status, &error))
    {
      g_debug ("network: cannot run iptables to let %s's frames through FORWARD: %s", bridge,
               error->message);
      return;
    }
  if (status != 0 && (!run_iptables ("-I", bridge, &status, &error) || status != 0))
    {
      g_debug ("network: iptables could not let %s's frames through FORWARD (status %d)%s%s",
               bridge, status, error != NULL ? ": " : "", error != NULL ? error->message : "");
      return;
    }
  g_debug ("network: %s's frames pass iptables' FORWARD chain", bridge);
  marker = openat (dirfd, FORWARD_MARKER, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (marker < 0)
    g_debug ("network: cannot note the FORWARD rule: %s", g_strerror (errno));
}
