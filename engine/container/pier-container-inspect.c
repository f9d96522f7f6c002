/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-container-inspect.h"

#include "pier-i18n.h"
#include "pier-json.h"
#include "pier-caps.h"
#include "pier-oci.h"

#include <jansson.h>
#include <string.h>

static json_t *
time_json (PierJsonWriter *w, gint64 usec)
{
  g_autoptr (GDateTime) dt = NULL;
  g_autofree char *base = NULL;

  if (usec <= 0)
    return json_string ("0001-01-01T00:00:00Z");
  dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  return pier_json_text_take (w, "a time",
                              g_strdup_printf ("%s.%06dZ", base, (int) (usec % G_USEC_PER_SEC)));
}

char *
pier_container_inspect_json (PierStore *store, const PierContainer *c, GError **error)
{
  g_auto (PierJsonWriter) w = { NULL };
  json_t *o = json_object ();
  json_t *state = json_object ();
  json_t *config = json_object ();
  json_t *host = json_object ();
  json_t *binds = json_array ();
  json_t *net = json_object ();
  json_t *networks = json_object ();
  json_t *graph = json_object ();
  json_t *graph_data = json_object ();
  g_autoptr (GPtrArray) lowers = pier_container_get_lower_dirs (store, c);
  g_autofree char *upper = pier_container_get_upper_dir (store, c);
  g_autofree char *dir = pier_container_get_dir (store, c);
  g_autofree char *work = g_build_filename (dir, "work", NULL);
  g_autofree char *log = pier_container_get_log_path (store, c);
  g_autofree char *name = g_strconcat ("/", c->name, NULL);
  GString *lower = g_string_new (NULL);
  gboolean running = c->status == PIER_CONTAINER_RUNNING;
  char *out;

  pier_json_set_text (&w, o, "Id", c->id);
  pier_json_set (&w, o, "Created", time_json (&w, c->created));
  pier_json_set_text (&w, o, "Path", c->argv[0]);
  pier_json_set (&w, o, "Args", pier_json_strv (&w, "Args", (const char *const *) c->argv + 1));

  pier_json_set_text (&w, state, "Status", pier_container_status_to_string (c->status));
  pier_json_set (&w, state, "Running", json_boolean (running));
  pier_json_set (&w, state, "Paused", json_false ());
  pier_json_set (&w, state, "Restarting", json_false ());
  pier_json_set (&w, state, "OOMKilled", json_false ());
  pier_json_set (&w, state, "Dead", json_boolean (c->broken != NULL));
  pier_json_set (&w, state, "Pid", json_integer (running ? c->pid : 0));
  pier_json_set (&w, state, "MonitorPid", json_integer (running ? c->monitor_pid : 0));
  pier_json_set (&w, state, "ExitCode", json_integer (c->status == PIER_CONTAINER_EXITED ? c->exit_code : 0));
  pier_json_set_text (&w, state, "Error", c->broken ? c->broken : c->stale_reason ? c->stale_reason : "");
  pier_json_set (&w, state, "StartedAt", time_json (&w, c->started_at));
  pier_json_set (&w, state, "FinishedAt", time_json (&w, running ? 0 : c->finished_at));
  pier_json_set (&w, o, "State", state);

  pier_json_set_text (&w, o, "Image", c->image_id);
  pier_json_set_text (&w, o, "LogPath", log);
  pier_json_set_text (&w, o, "Name", name);
  pier_json_set_text (&w, o, "SeccompProfile", pier_container_get_seccomp_name (c));
  {
    g_auto (GStrv) caps = pier_caps_to_names (pier_container_get_caps (c));
    pier_json_set (&w, o, "EffectiveCaps", pier_json_strv (&w, "EffectiveCaps", (const char *const *) caps));
  }
  pier_json_set (&w, o, "RestartCount", json_integer (0));
  pier_json_set_text (&w, o, "Driver", "overlay");

  for (guint i = 0; i < c->volumes->len; i++)
    {
      PierSandboxVolume *v = c->volumes->pdata[i];
      pier_json_append (&w, binds,
                        pier_json_text_take (&w, "Binds", g_strdup_printf ("%s:%s%s", v->source,
                                                                           v->destination,
                                                                           v->readonly ? ":ro" : "")));
    }
  pier_json_set (&w, host, "Binds", binds);
  pier_json_set_text (&w, host, "NetworkMode", pier_network_mode_to_string (c->network));
  pier_json_set (&w, host, "AutoRemove", json_boolean (c->auto_remove));
  pier_json_set (&w, host, "Memory", json_integer (c->memory_bytes));
  pier_json_set (&w, host, "NanoCpus", json_integer ((json_int_t) (c->cpus * 1e9 + 0.5)));
  pier_json_set (&w, host, "PidsLimit", json_integer ((json_int_t) pier_container_get_pids_limit (c)));
  pier_json_set (&w, host, "CapAdd", c->cap_add ? pier_json_strv (&w, "CapAdd", (const char *const *) c->cap_add) : json_null ());
  pier_json_set (&w, host, "CapDrop", c->cap_drop ? pier_json_strv (&w, "CapDrop", (const char *const *) c->cap_drop) : json_null ());
  if (c->seccomp_name != NULL)
    {
      json_t *opts = json_array ();
      pier_json_append (&w, opts, pier_json_text_take (&w, "SecurityOpt",
                                                       g_strconcat ("seccomp=", c->seccomp_name, NULL)));
      pier_json_set (&w, host, "SecurityOpt", opts);
    }
  else
    pier_json_set (&w, host, "SecurityOpt", json_null ());
  if (!c->rootless)
    {
      g_autofree char *map = g_strdup_printf ("0:%u:%u", c->uid_base, c->uid_count);
      json_t *mappings = json_object ();
      pier_json_set_text (&w, host, "UsernsMode", "auto");
      pier_json_set (&w, mappings, "UidMap", pier_json_strv (&w, "UidMap", (const char *const[]){ map, NULL }));
      pier_json_set (&w, mappings, "GidMap", pier_json_strv (&w, "GidMap", (const char *const[]){ map, NULL }));
      pier_json_set (&w, host, "IDMappings", mappings);
    }
  pier_json_set (&w, o, "HostConfig", host);

  for (guint i = 0; i < lowers->len; i++)
    g_string_append_printf (lower, "%s%s", i ? ":" : "", (char *) lowers->pdata[i]);
  pier_json_set_text (&w, graph_data, "LowerDir", lower->str);
  pier_json_set_text (&w, graph_data, "UpperDir", upper);
  pier_json_set_text (&w, graph_data, "WorkDir", work);
  pier_json_set_text (&w, graph, "Name", "overlay");
  pier_json_set (&w, graph, "Data", graph_data);
  pier_json_set (&w, o, "GraphDriver", graph);

  pier_json_set_text (&w, config, "Hostname", c->hostname);
  pier_json_set_text (&w, config, "User", c->user ? c->user : "");
  pier_json_set (&w, config, "Tty", json_boolean (c->tty));
  pier_json_set (&w, config, "OpenStdin", json_boolean (c->stdin_open));
  pier_json_set (&w, config, "Env", pier_json_strv (&w, "Env", (const char *const *) c->env));
  pier_json_set (&w, config, "Cmd", pier_json_strv (&w, "Cmd", (const char *const *) c->argv));
  pier_json_set_text (&w, config, "Image", c->image);
  pier_json_set_text (&w, config, "WorkingDir", c->working_dir);
  pier_json_set_text (&w, config, "StopSignal", c->stop_signal);
  pier_json_set (&w, o, "Config", config);

  pier_json_set_text (&w, net, "IPAddress", c->ip_address ? c->ip_address : "");
  pier_json_set (&w, net, "IPPrefixLen", json_integer (c->ip_address ? 16 : 0));
  pier_json_set_text (&w, net, "Gateway", c->ip_address ? PIER_BRIDGE_GATEWAY : "");
  if (c->network == PIER_NETWORK_BRIDGE)
    {
      json_t *bridge = json_object ();
      pier_json_set_text (&w, bridge, "IPAddress", c->ip_address ? c->ip_address : "");
      pier_json_set (&w, bridge, "IPPrefixLen", json_integer (c->ip_address ? 16 : 0));
      pier_json_set_text (&w, bridge, "Gateway", c->ip_address ? PIER_BRIDGE_GATEWAY : "");
      pier_json_set (&w, networks, PIER_BRIDGE_NAME, bridge);
    }
  pier_json_set (&w, net, "Networks", networks);
  pier_json_set (&w, o, "NetworkSettings", net);

  g_string_free (lower, TRUE);
  out = pier_json_writer_dump (&w, o, JSON_INDENT (4) | JSON_PRESERVE_ORDER, error);
  if (out == NULL)
    g_prefix_error (error, _("inspecting container %s: "), c->name);
  return out;
}
