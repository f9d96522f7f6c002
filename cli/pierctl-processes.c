/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pierctl top, sessions, and ps --processes: a container's processes from both sides. */
#include "pier-cli.h"
#include "pier-cli-format.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static char *
user_text (const char *name, guint32 id)
{
  if (id == PIER_PROCESS_INFO_ID_UNKNOWN)
    return g_strdup ("?");
  return name ? g_strdup (name) : g_strdup_printf ("%u", id);
}

static json_t *
shown_or_null (const char *text)
{
  return text != NULL ? pier_json_shown_text (text) : json_null ();
}

/* What a process shows of itself (its command line, the names in its container's passwd) may
 * be any bytes: shown, never the reason a process is left out of the list. */
static json_t *
process_json (PierJsonWriter *w, const PierProcessInfo *p)
{
  json_t *o = json_object ();

  pier_json_set (w, o, "container_pid", json_integer (p->container_pid));
  pier_json_set (w, o, "host_pid", json_integer (p->host_pid));
  pier_json_set (w, o, "container_ppid", json_integer (p->container_ppid));
  pier_json_set (w, o, "host_ppid", json_integer (p->host_ppid));
  pier_json_set (w, o, "container_sid", json_integer (p->container_sid));
  pier_json_set (w, o, "host_sid", json_integer (p->host_sid));
  pier_json_set (w, o, "container_user", shown_or_null (p->user));
  pier_json_set (w, o, "container_uid", json_integer (p->uid));
  pier_json_set (w, o, "host_user", shown_or_null (p->host_user));
  pier_json_set (w, o, "host_uid", json_integer (p->host_uid));
  pier_json_set (w, o, "tty", shown_or_null (p->tty));
  pier_json_set (w, o, "state", pier_json_shown_text ((char[]){ p->state, 0 }));
  pier_json_set (w, o, "command", pier_json_shown_text (p->command));
  pier_json_set (w, o, "cpu_percent", pier_json_real (w, "cpu_percent", p->cpu_percent));
  pier_json_set (w, o, "rss_bytes", json_integer ((json_int_t) p->rss_bytes));
  pier_json_set (w, o, "start_time", json_integer ((json_int_t) p->start_time));
  return o;
}

static int
top_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *format = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output format: table or json"), "FORMAT" },
    { NULL }
  };
  g_autoptr (GPtrArray) processes = NULL;
  g_autoptr (PierTable) table = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER",
                       N_("A container's processes, as it sees them and as the host does"), entries,
                       FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, 1, "CONTAINER [--format json]", error) ||
      !pier_format_check (format, error) ||
      (processes = pier_engine_list_processes (pier_cli_get_engine (cli), argv[1], NULL,
                                               error)) == NULL)
    return 1;
  if (g_strcmp0 (format, "json") == 0)
    {
      g_auto (PierJsonWriter) w = { NULL };
      json_t *list = json_array ();
      for (guint i = 0; i < processes->len; i++)
        pier_json_append (&w, list, process_json (&w, processes->pdata[i]));
      return pier_format_print_json (&w, list, error) ? 0 : 1;
    }
  table = pier_table_new ("CONTAINER PID", "HOST PID", "CONTAINER SID", "HOST SID",
                          "CONTAINER USER", "HOST USER (UID)", "STATE", "CPU%", "RSS", "COMMAND",
                          NULL);
  for (guint i = 0; i < processes->len; i++)
    {
      const PierProcessInfo *p = processes->pdata[i];
      g_autofree char *cpid = g_strdup_printf ("%d", p->container_pid);
      g_autofree char *hpid = g_strdup_printf ("%d", p->host_pid);
      g_autofree char *csid = g_strdup_printf ("%d", p->container_sid);
      g_autofree char *hsid = g_strdup_printf ("%d", p->host_sid);
      g_autofree char *cuser = user_text (p->user, p->uid);
      g_autofree char *huser = p->host_user ? g_strdup_printf ("%s (%u)", p->host_user, p->host_uid)
                                            : user_text (NULL, p->host_uid);
      g_autofree char *cpu = g_strdup_printf ("%.1f", p->cpu_percent);
      g_autofree char *rss = pier_format_size (p->rss_bytes);
      pier_table_add_row (table, cpid, hpid, csid, hsid, cuser, huser, (char[]){ p->state, 0 },
                          cpu, rss, p->command, NULL);
    }
  pier_table_print (table);
  return 0;
}

static int
sessions_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *format = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output format: table or json"), "FORMAT" },
    { NULL }
  };
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (PierTable) table = NULL;
  g_auto (PierJsonWriter) w = { NULL };
  json_t *list = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER", N_("A container's sessions, inside and on the host"),
                       entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, 1, "CONTAINER [--format json]", error) ||
      !pier_format_check (format, error) ||
      (sessions = pier_engine_list_sessions (pier_cli_get_engine (cli), argv[1], NULL,
                                             error)) == NULL)
    return 1;
  if (g_strcmp0 (format, "json") == 0)
    list = json_array ();
  table = pier_table_new ("ORIGIN", "CONTAINER SID", "HOST SID", "LEADER (CONTAINER/HOST PID)",
                          "PROCESSES", "USER", "COMMAND", NULL);
  for (guint i = 0; i < sessions->len; i++)
    {
      PierSessionInfo *s = sessions->pdata[i];
      const PierProcessInfo *leader = s->leader;
      g_autofree char *csid = g_strdup_printf ("%d", s->container_sid);
      g_autofree char *hsid = g_strdup_printf ("%d", s->host_sid);
      g_autofree char *lead = leader ? g_strdup_printf ("%d/%d", leader->container_pid, leader->host_pid)
                                     : g_strdup ("-");
      g_autofree char *count = g_strdup_printf ("%u", s->processes->len);
      g_autofree char *user = leader ? user_text (leader->user, leader->uid) : g_strdup ("-");

      if (list != NULL)
        {
          json_t *session = json_object ();
          json_t *procs = json_array ();
          for (guint p = 0; p < s->processes->len; p++)
            pier_json_append (&w, procs, process_json (&w, s->processes->pdata[p]));
          pier_json_set (&w, session, "origin", shown_or_null (s->origin));
          pier_json_set (&w, session, "container_sid", json_integer (s->container_sid));
          pier_json_set (&w, session, "host_sid", json_integer (s->host_sid));
          pier_json_set (&w, session, "processes", procs);
          pier_json_append (&w, list, session);
          continue;
        }
      pier_table_add_row (table, s->origin ? s->origin : "?", csid, hsid, lead, count, user,
                          leader ? leader->command : "-", NULL);
    }
  if (list != NULL)
    return pier_format_print_json (&w, list, error) ? 0 : 1;
  pier_table_print (table);
  return 0;
}

int
pier_cli_ps_processes (PierCli *cli, const char *format, GError **error)
{
  g_autoptr (GPtrArray) processes = NULL;
  g_autoptr (PierTable) table = NULL;
  g_auto (PierJsonWriter) w = { NULL };
  json_t *list = NULL;

  if ((processes = pier_engine_list_host_processes (pier_cli_get_engine (cli), NULL,
                                                    error)) == NULL)
    return 1;
  if (g_strcmp0 (format, "json") == 0)
    list = json_array ();
  table = pier_table_new ("HOST PID", "CONTAINER", "CONTAINER PID", "HOST USER", "STATE", "COMMAND", NULL);
  for (guint i = 0; i < processes->len; i++)
    {
      const PierProcessInfo *p = processes->pdata[i];
      const char *c = p->container;
      g_autofree char *hpid = g_strdup_printf ("%d", p->host_pid);
      g_autofree char *cpid = c ? g_strdup_printf ("%d", p->container_pid) : g_strdup ("-");
      g_autofree char *huser = user_text (p->host_user, p->host_uid);

      if (list != NULL)
        {
          json_t *o = process_json (&w, p);
          pier_json_set (&w, o, "container", c ? pier_json_text (&w, "container", c) : json_null ());
          pier_json_append (&w, list, o);
          continue;
        }
      pier_table_add_row (table, hpid, c ? c : "-", cpid, huser, (char[]){ p->state, 0 },
                          p->command, NULL);
    }
  if (list != NULL)
    return pier_format_print_json (&w, list, error) ? 0 : 1;
  pier_table_print (table);
  return 0;
}

const PierCliVerb pier_cli_process_verbs[] = {
  { "top", top_run, N_("A container's processes, inside and on the host") },
  { "sessions", sessions_run, N_("A container's sessions, inside and on the host") },
  { NULL }
};
