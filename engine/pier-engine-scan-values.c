/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The process scanner's rows as PierEngine's values, for the engines that read this machine's
 * /proc (PierLocalEngine, and PierDockerEngine on a local socket). */
#include "pier-engine-scan-values-private.h"

G_STATIC_ASSERT (PIER_PROCESS_INFO_ID_UNKNOWN == PIER_PROCESS_ID_UNKNOWN);

PierProcessInfo *
pier_process_info_from_scan (const PierProcess *p, const char *container)
{
  PierProcessInfo *info = g_new0 (PierProcessInfo, 1);

  info->container_pid = p->container_pid;
  info->container_ppid = p->container_ppid;
  info->container_sid = p->container_sid;
  info->host_pid = p->host_pid;
  info->host_ppid = p->host_ppid;
  info->host_sid = p->host_sid;
  info->uid = p->uid;
  info->host_uid = p->host_uid;
  info->user = g_strdup (p->user);
  info->host_user = g_strdup (p->host_user);
  info->tty = g_strdup (p->tty);
  info->state = p->state;
  info->command = g_strdup (p->cmdline);
  info->cpu_percent = p->cpu_percent;
  info->rss_bytes = p->rss_bytes;
  info->start_time = p->start_time;
  info->container = g_strdup (container);
  info->kernel_thread = p->kernel_thread;
  return info;
}

GPtrArray *
pier_process_info_list_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) pier_process_info_free);
}

PierSessionInfo *
pier_session_info_from_scan (const PierProcessSession *s)
{
  PierSessionInfo *info = g_new0 (PierSessionInfo, 1);

  info->container_sid = s->container_sid;
  info->host_sid = s->host_sid;
  info->origin = g_strdup (s->origin);
  info->processes = pier_process_info_list_new ();
  for (guint i = 0; i < s->processes->len; i++)
    {
      const PierProcess *p = s->processes->pdata[i];
      PierProcessInfo *copy = pier_process_info_from_scan (p, NULL);

      g_ptr_array_add (info->processes, copy);
      if (p == s->leader)
        info->leader = copy;
    }
  return info;
}
